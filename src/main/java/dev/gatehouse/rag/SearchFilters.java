package dev.gatehouse.rag;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;

/**
 * Attribute filters of the vector store search API as Lucene queries: comparison filters
 * ({@code eq ne gt gte lt lte in nin} on a key and a string, number or boolean value) and compound
 * ones ({@code and}, {@code or}) of any depth. Attributes are indexed by the type of their value,
 * each in its own field, so a filter only matches values of the type it names (as OpenAI does).
 */
public final class SearchFilters {
    private static final int MAX_DEPTH = 8;

    private SearchFilters() {}

    /** Indexes a chunk's attributes (strings and booleans as terms, numbers as points). */
    static void index(Document doc, Map<String, Object> attributes) {
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            switch (a.getValue()) {
                case String s -> doc.add(new StringField("s." + a.getKey(), s, Field.Store.NO));
                case Boolean b -> doc.add(new StringField("b." + a.getKey(), b.toString(), Field.Store.NO));
                case Number n -> doc.add(new DoublePoint("n." + a.getKey(), n.doubleValue()));
                default -> { }
            }
        }
    }

    /** The filter as a query; a 400 naming {@code param} (and the path inside it) when it is malformed. */
    public static Query parse(JsonNode filter, String param) {
        return parse(filter, param, 0);
    }

    private static Query parse(JsonNode f, String at, int depth) {
        if (!f.isObject()) {
            throw GatewayException.invalid("Invalid '" + at + "': expected a comparison or compound filter object.", at);
        }
        if (depth > MAX_DEPTH) {
            throw GatewayException.invalid("Invalid '" + at + "': filters nest at most " + MAX_DEPTH + " levels.", at);
        }
        String type = f.path("type").asText("");
        switch (type) {
            case "and", "or" -> {
                JsonNode filters = f.path("filters");
                if (!filters.isArray() || filters.isEmpty()) {
                    throw GatewayException.invalid("Invalid '" + at + ".filters': expected a non-empty array of filters.",
                            at + ".filters");
                }
                BooleanQuery.Builder b = new BooleanQuery.Builder();
                for (int i = 0; i < filters.size(); i++) {
                    b.add(parse(filters.get(i), at + ".filters[" + i + "]", depth + 1),
                            type.equals("and") ? BooleanClause.Occur.FILTER : BooleanClause.Occur.SHOULD);
                }
                if (type.equals("or")) {
                    b.setMinimumNumberShouldMatch(1);
                }
                return b.build();
            }
            case "eq", "ne", "gt", "gte", "lt", "lte", "in", "nin" -> {
                String key = f.path("key").asText("");
                if (key.isEmpty()) {
                    throw GatewayException.invalid("Invalid '" + at + ".key': expected the attribute's name.", at + ".key");
                }
                JsonNode value = f.get("value");
                if (type.equals("in") || type.equals("nin")) {
                    if (value == null || !value.isArray() || value.isEmpty()) {
                        throw GatewayException.invalid("Invalid '" + at + ".value': '" + type
                                + "' expects a non-empty array of strings or numbers.", at + ".value");
                    }
                    BooleanQuery.Builder any = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
                    for (JsonNode v : value) {
                        any.add(equal(key, v, at + ".value"), BooleanClause.Occur.SHOULD);
                    }
                    return type.equals("in") ? any.build() : not(any.build());
                }
                if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
                    throw GatewayException.invalid("Invalid '" + at + ".value': expected a string, number or boolean.",
                            at + ".value");
                }
                return switch (type) {
                    case "eq" -> equal(key, value, at + ".value");
                    case "ne" -> not(equal(key, value, at + ".value"));
                    default -> range(type, key, value, at + ".value");
                };
            }
            default -> throw GatewayException.invalid("Invalid '" + at + ".type': expected one of eq, ne, gt, gte, lt, lte, in,"
                    + " nin, and, or; got '" + type + "'.", at + ".type");
        }
    }

    private static Query equal(String key, JsonNode v, String at) {
        if (v.isTextual()) {
            return new TermQuery(new Term("s." + key, v.asText()));
        }
        if (v.isBoolean()) {
            return new TermQuery(new Term("b." + key, Boolean.toString(v.asBoolean())));
        }
        if (v.isNumber()) {
            return DoublePoint.newExactQuery("n." + key, v.asDouble());
        }
        throw GatewayException.invalid("Invalid '" + at + "': expected a string, number or boolean.", at);
    }

    private static Query range(String op, String key, JsonNode v, String at) {
        boolean lower = op.startsWith("g");
        boolean inclusive = op.endsWith("e");
        if (v.isNumber()) {
            double d = v.asDouble();
            double bound = inclusive ? d : lower ? Math.nextUp(d) : Math.nextDown(d);
            return lower ? DoublePoint.newRangeQuery("n." + key, bound, Double.POSITIVE_INFINITY)
                    : DoublePoint.newRangeQuery("n." + key, Double.NEGATIVE_INFINITY, bound);
        }
        if (v.isTextual()) {
            return lower ? TermRangeQuery.newStringRange("s." + key, v.asText(), null, inclusive, false)
                    : TermRangeQuery.newStringRange("s." + key, null, v.asText(), false, inclusive);
        }
        throw GatewayException.invalid("Invalid '" + at + "': '" + op + "' compares numbers or strings, not booleans.", at);
    }

    private static Query not(Query q) {
        return new BooleanQuery.Builder().add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST)
                .add(q, BooleanClause.Occur.MUST_NOT).build();
    }
}
