package dev.gatehouse.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.gatehouse.secrets.Masking;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Defence in depth for the audit trail: endpoint handlers pass objects with secrets already
 * masked, and this masks once more any string under a field whose name says it holds a secret
 * (api_key, secret, password, token, …). Ids such as {@code key_id} are left alone.
 */
final class Redactor {
    private static final Set<String> SECRET_FIELDS = Set.of(
            "apikey", "key", "secret", "clientsecret", "password", "token", "accesstoken", "refreshtoken",
            "privatekey", "authorization", "masterkey", "providerkey", "plaintext", "ciphertext");

    private Redactor() {}

    static JsonNode redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (isSecretName(field.getKey()) && field.getValue().isTextual()) {
                    String value = field.getValue().asText();
                    field.setValue(TextNode.valueOf(Masking.isMasked(value) ? value : Masking.mask(value)));
                } else {
                    redact(field.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(Redactor::redact);
        }
        return node;
    }

    static boolean isSecretName(String name) {
        String normalized = name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        return SECRET_FIELDS.contains(normalized);
    }
}
