package dev.gatehouse.provider;

import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * The upstream side of one wire format: canonical model to provider bytes and back, and what a
 * failed response means. One implementation per format, shared by every provider speaking it.
 */
public interface WireCodec {
    WireFormat format();

    Buffer encodeChat(ChatRequest request);

    ChatResponse decodeChat(Buffer body);

    StreamDecoder streamDecoder();

    /**
     * The answer to {@code request}: a codec may honour here what the request asked and its
     * upstream has no switch for (Gemini and {@code parallel_tool_calls: false}).
     */
    default ChatResponse decodeChat(Buffer body, ChatRequest request) {
        return decodeChat(body);
    }

    /** The stream decoder for the answer to {@code request} (see {@link #decodeChat(Buffer, ChatRequest)}). */
    default StreamDecoder streamDecoder(ChatRequest request) {
        return streamDecoder();
    }

    Buffer encodeEmbeddings(EmbeddingRequest request);

    EmbeddingResponse decodeEmbeddings(Buffer body);

    /** Classifies a non-2xx response, keeping the provider's message. */
    UpstreamError classify(int status, MultiMap headers, Buffer body);
}
