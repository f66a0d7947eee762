/**
 * The canonical model: one provider-neutral shape for chat and embedding requests, responses and
 * stream events. Caller formats and provider formats each translate to and from this model, so N
 * caller formats and M provider formats need N + M translators instead of N × M.
 *
 * <p>Fields a format has and the model does not name survive in {@code extra} maps (raw JSON
 * values), so a translation that goes out and back in the same format loses nothing.
 */
package dev.gatehouse.canonical;
