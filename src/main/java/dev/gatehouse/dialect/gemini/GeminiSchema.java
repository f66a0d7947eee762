package dev.gatehouse.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * JSON Schema (as OpenAI callers write it) to the OpenAPI 3.0 subset Gemini accepts in
 * {@code functionDeclarations[].parameters} and {@code generationConfig.responseSchema}.
 *
 * <p>What changes, and why each change keeps the caller's intent:
 * <ul>
 *   <li>kept as is: type, format, title, description, nullable, enum (strings), properties, required,
 *       items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, minProperties,
 *       maxProperties, anyOf, default, example, propertyOrdering;</li>
 *   <li>{@code "type": ["string", "null"]} becomes {@code "type": "string", "nullable": true};
 *       several non-null types become {@code anyOf};</li>
 *   <li>{@code const: v} becomes {@code enum: [v]}; {@code oneOf} becomes {@code anyOf} (the
 *       model sees the same alternatives);</li>
 *   <li>local {@code $ref}s ({@code #/$defs/X}, {@code #/definitions/X}) are inlined; a
 *       recursive schema is refused with a 400, Gemini has no references;</li>
 *   <li>dropped, because Gemini rejects them and they only tighten validation the gateway cannot
 *       enforce: {@code $schema}, {@code $id}, {@code $comment}, {@code additionalProperties},
 *       {@code strict}, {@code examples}, {@code patternProperties}, {@code unevaluatedProperties},
 *       {@code exclusiveMinimum}, {@code exclusiveMaximum}, {@code multipleOf}, {@code uniqueItems},
 *       {@code not}, {@code if/then/else}, {@code dependentRequired}, {@code contentEncoding};</li>
 *   <li>{@code allOf} is refused with a 400 (merging schemas faithfully is not possible in general).</li>
 * </ul>
 */
final class GeminiSchema {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> KEEP = Set.of("type", "format", "title", "description", "nullable", "enum",
            "properties", "required", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern",
            "minimum", "maximum", "minProperties", "maxProperties", "anyOf", "default", "example", "propertyOrdering");
    private static final int MAX_DEPTH = 32;

    private GeminiSchema() {}

    /**
     * @param where the request field, for error messages (e.g. "tools[0].function.parameters")
     * @param model the upstream model, named in refusals
     */
    static ObjectNode convert(JsonNode schema, String where, String model) {
        return new Converter(schema, where, model).node(schema, 0, List.of());
    }

    private record Converter(JsonNode root, String where, String model) {

        ObjectNode node(JsonNode in, int depth, List<String> refs) {
            if (depth > MAX_DEPTH) {
                throw refuse("a schema nested deeper than " + MAX_DEPTH + " levels");
            }
            ObjectNode out = NODES.objectNode();
            if (in == null || !in.isObject()) {
                return out;
            }
            JsonNode ref = in.get("$ref");
            if (ref != null && ref.isTextual()) {
                String r = ref.textValue();
                if (refs.contains(r)) {
                    throw refuse("a recursive schema ($ref '" + r + "')");
                }
                JsonNode target = resolve(r);
                List<String> seen = new ArrayList<>(refs);
                seen.add(r);
                ObjectNode resolved = node(target, depth + 1, seen);
                if (in.has("description") && !resolved.has("description")) {
                    resolved.set("description", in.get("description"));
                }
                return resolved;
            }
            if (in.has("allOf")) {
                throw refuse("'allOf' in a JSON schema");
            }
            for (var e : in.properties()) {
                String key = e.getKey();
                JsonNode v = e.getValue();
                switch (key) {
                    case "type" -> type(v, out);
                    case "properties" -> {
                        ObjectNode props = out.putObject("properties");
                        v.properties().forEach(p -> props.set(p.getKey(), node(p.getValue(), depth + 1, refs)));
                    }
                    case "items" -> out.set("items", node(v, depth + 1, refs));
                    case "anyOf", "oneOf" -> {
                        ArrayNode any = out.withArray("anyOf");
                        for (JsonNode alt : v) {
                            ObjectNode a = node(alt, depth + 1, refs);
                            if (isNullOnly(a)) {
                                out.put("nullable", true);
                            } else {
                                any.add(a);
                            }
                        }
                    }
                    case "const" -> out.set("enum", NODES.arrayNode().add(v.isTextual() ? v : NODES.textNode(v.asText())));
                    case "enum" -> {
                        ArrayNode values = out.putArray("enum");
                        for (JsonNode item : v) {
                            if (item.isNull()) {
                                out.put("nullable", true);
                            } else {
                                values.add(item.isTextual() ? item : NODES.textNode(item.asText()));
                            }
                        }
                    }
                    default -> {
                        if (KEEP.contains(key)) {
                            out.set(key, v);
                        }
                    }
                }
            }
            // Gemini enums are string enums: {"type":"integer","enum":[1,2]} is rejected.
            if (out.has("enum") && !"string".equals(out.path("type").asText("string"))) {
                out.remove("enum");
            }
            if (out.has("enum") && !out.has("type")) {
                out.put("type", "string");
            }
            JsonNode any = out.get("anyOf");
            if (any != null && any.size() <= 1) {
                // anyOf [X, null] collapses to X with nullable: the common shape of an optional field
                out.remove("anyOf");
                if (any.size() == 1) {
                    any.get(0).properties().forEach(p -> {
                        if (!out.has(p.getKey())) {
                            out.set(p.getKey(), p.getValue());
                        }
                    });
                }
            }
            return out;
        }

        private void type(JsonNode v, ObjectNode out) {
            if (v.isTextual()) {
                if (v.textValue().equals("null")) {
                    out.put("nullable", true);
                } else {
                    out.put("type", v.textValue());
                }
                return;
            }
            if (v.isArray()) {
                List<String> types = new ArrayList<>();
                for (JsonNode t : v) {
                    if (t.asText().equals("null")) {
                        out.put("nullable", true);
                    } else {
                        types.add(t.asText());
                    }
                }
                if (types.size() == 1) {
                    out.put("type", types.get(0));
                } else if (types.size() > 1) {
                    ArrayNode any = out.withArray("anyOf");
                    types.forEach(t -> any.addObject().put("type", t));
                }
            }
        }

        private static boolean isNullOnly(ObjectNode n) {
            return n.size() == 1 && n.path("nullable").asBoolean(false);
        }

        private JsonNode resolve(String ref) {
            String path;
            if (ref.startsWith("#/$defs/")) {
                path = "/$defs/" + ref.substring("#/$defs/".length());
            } else if (ref.startsWith("#/definitions/")) {
                path = "/definitions/" + ref.substring("#/definitions/".length());
            } else if (ref.equals("#")) {
                throw refuse("a recursive schema ($ref '#')");
            } else {
                throw refuse("the non-local schema reference '" + ref + "'");
            }
            JsonNode target = root.at(path);
            if (target.isMissingNode()) {
                throw GatewayException.invalid("'" + where + "' refers to '" + ref + "', which the schema does not define.", where);
            }
            return target;
        }

        private GatewayException refuse(String what) {
            return GeminiWireCodec.unsupported(what + " in '" + where + "'", model, where);
        }
    }
}
