package dev.gatehouse.provider.sse;

/**
 * One dispatched Server-Sent Event. {@code event} is the event type ("message" when the stream
 * gave none, as the WHATWG spec says); {@code data} is the data lines joined by '\n'.
 */
public record SseEvent(String event, String data) {}
