package dev.gatehouse.canonical;

/** How the model may use the tools it was given. */
public sealed interface ToolChoice {
    record Auto() implements ToolChoice {}

    record None() implements ToolChoice {}

    /** The model must call some tool. */
    record Required() implements ToolChoice {}

    /** The model must call this tool. */
    record Named(String name) implements ToolChoice {}
}
