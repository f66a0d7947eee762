package dev.gatehouse.dialect;

import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.provider.http.ImageFetcher;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * For providers that take image bytes only (Bedrock, Vertex): every http(s) image URL of a request
 * replaced by the fetched bytes as a data URL, all fetched at once through the guarded {@link ImageFetcher}.
 */
public final class InlineImages {
    private InlineImages() {}

    public static Future<ChatRequest> inline(ImageFetcher images, ChatRequest request) {
        List<Future<ImageFetcher.Image>> fetches = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            List<ContentPart> content = request.messages().get(i).content();
            for (int j = 0; j < content.size(); j++) {
                if (content.get(j) instanceof ContentPart.Image img && isHttp(img.url())) {
                    fetches.add(images.fetch(img.url(), "messages[" + i + "].content[" + j + "].image_url.url"));
                }
            }
        }
        if (fetches.isEmpty()) {
            return Future.succeededFuture(request);
        }
        return Future.all(fetches).map(done -> {
            int next = 0;
            List<Message> messages = new ArrayList<>(request.messages().size());
            for (Message m : request.messages()) {
                List<ContentPart> parts = new ArrayList<>(m.content().size());
                for (ContentPart p : m.content()) {
                    if (p instanceof ContentPart.Image img && isHttp(img.url())) {
                        parts.add(new ContentPart.Image(fetches.get(next++).result().dataUrl(), img.detail()));
                    } else {
                        parts.add(p);
                    }
                }
                messages.add(new Message(m.role(), parts, m.toolCalls(), m.toolCallId(), m.name(), m.extra()));
            }
            return request.withMessages(messages);
        });
    }

    private static boolean isHttp(String url) {
        return url.startsWith("http://") || url.startsWith("https://");
    }
}
