import dev.gatehouse.cache.SemanticIndex;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The semantic cache's hit rate on true paraphrases and false-hit rate on near misses (pairs.tsv).
 * For each pair the first question's answer is stored in an empty partition of the gateway's own
 * SemanticIndex, then the second question is looked up; a lookup at or above the threshold is a
 * hit. Inputs are embedded as the gateway embeds a conversation ("user: <text>\n") with a local
 * model (all-MiniLM-L6-v2, quantized, ONNX).
 */
public class SemanticCacheBench {
    /** @param similarity the embeddings' similarity; @param guarded what the index answers with the meaning guard (0: vetoed) */
    record Pair(boolean same, String stored, String asked, double similarity, double guarded) {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "bench/cache/pairs.tsv");
        double configured = args.length > 1 ? Double.parseDouble(args[1]) : 0.95;
        EmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        List<Pair> pairs = new ArrayList<>();
        int i = 0;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            SemanticIndex index = new SemanticIndex(10, 10, System::currentTimeMillis);
            String partition = "pair-" + i++;
            index.add(partition, embed(model, f[1]), text(f[1]), "stored", Long.MAX_VALUE);
            float[] asked = embed(model, f[2]);
            double similarity = index.nearest(partition, asked, null).similarity(); // by the vectors alone
            double guarded = index.nearest(partition, asked, text(f[2])).similarity(); // as the gateway looks up
            pairs.add(new Pair(f[0].equals("same"), f[1], f[2], similarity, guarded));
        }
        long same = pairs.stream().filter(Pair::same).count();
        long different = pairs.size() - same;
        System.out.printf(Locale.ROOT, "%d true paraphrases, %d near misses (%s), model all-MiniLM-L6-v2 (quantized)%n",
                same, different, file);
        System.out.println("threshold  | vectors alone: hit rate, false-hit rate | with the meaning guard (as the gateway): hit rate, false-hit rate");
        for (double t : new double[] {0.80, 0.85, 0.88, 0.90, 0.92, 0.95, 0.97}) {
            long hits = pairs.stream().filter(p -> p.same() && p.similarity() >= t).count();
            long falseHits = pairs.stream().filter(p -> !p.same() && p.similarity() >= t).count();
            long guardedHits = pairs.stream().filter(p -> p.same() && p.guarded() >= t).count();
            long guardedFalse = pairs.stream().filter(p -> !p.same() && p.guarded() >= t).count();
            System.out.printf(Locale.ROOT, "  %.2f%s    | %5.1f%% (%d/%d)  %5.1f%% (%d/%d) | %5.1f%% (%d/%d)  %5.1f%% (%d/%d)%n", t,
                    t == configured ? "*" : " ", 100.0 * hits / same, hits, same, 100.0 * falseHits / different, falseHits,
                    different, 100.0 * guardedHits / same, guardedHits, same, 100.0 * guardedFalse / different, guardedFalse,
                    different);
        }
        System.out.println("(* the default cache.semantic.threshold)");
        if (args.length > 2 && args[2].equals("--pairs")) {
            pairs.stream().sorted((a, b) -> Double.compare(b.similarity(), a.similarity())).forEach(p ->
                    System.out.printf(Locale.ROOT, "%.4f %-9s %-7s %s | %s%n", p.similarity(), p.same() ? "same" : "different",
                            p.guarded() == 0 ? "vetoed" : "", p.stored(), p.asked()));
        }
    }

    /** The conversation text the gateway embeds for a one-question request. */
    static String text(String question) {
        return "user: " + question + "\n";
    }

    static float[] embed(EmbeddingModel model, String question) {
        return model.embed(text(question)).content().vector();
    }
}
