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
    record Pair(boolean same, String stored, String asked, double similarity) {}

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
            index.add(partition, embed(model, f[1]), "stored", Long.MAX_VALUE);
            double similarity = index.nearest(partition, embed(model, f[2])).similarity();
            pairs.add(new Pair(f[0].equals("same"), f[1], f[2], similarity));
        }
        long same = pairs.stream().filter(Pair::same).count();
        long different = pairs.size() - same;
        System.out.printf(Locale.ROOT, "%d true paraphrases, %d near misses (%s), model all-MiniLM-L6-v2 (quantized)%n",
                same, different, file);
        System.out.println("threshold  hit rate (paraphrases)  false-hit rate (near misses)");
        for (double t : new double[] {0.80, 0.85, 0.88, 0.90, 0.92, 0.95, 0.97}) {
            long hits = pairs.stream().filter(p -> p.same() && p.similarity() >= t).count();
            long falseHits = pairs.stream().filter(p -> !p.same() && p.similarity() >= t).count();
            System.out.printf(Locale.ROOT, "  %.2f%s    %5.1f%% (%d/%d)          %5.1f%% (%d/%d)%n", t, t == configured ? "*" : " ",
                    100.0 * hits / same, hits, same, 100.0 * falseHits / different, falseHits, different);
        }
        System.out.println("(* the default cache.semantic.threshold)");
        if (args.length > 2 && args[2].equals("--pairs")) {
            pairs.stream().sorted((a, b) -> Double.compare(b.similarity(), a.similarity())).forEach(p ->
                    System.out.printf(Locale.ROOT, "%.4f %-9s %s | %s%n", p.similarity(), p.same() ? "same" : "different",
                            p.stored(), p.asked()));
        }
    }

    static float[] embed(EmbeddingModel model, String question) {
        return model.embed("user: " + question + "\n").content().vector();
    }
}
