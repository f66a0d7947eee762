import dev.gatehouse.rag.ChunkIndex;
import dev.gatehouse.rag.Chunker;
import dev.gatehouse.rag.HybridFusion;
import dev.gatehouse.rag.TextExtractor;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/**
 * Knowledge-base retrieval quality and speed, on the gateway's own index (ChunkIndex), chunker and
 * text extraction:
 *
 * <ol>
 *   <li>quality: a generated corpus of 300 towns, each with an industry and a festival, and two
 *       labelled queries per town: one naming it (keywords win) and one paraphrasing its industry
 *       and festival without their words (meaning wins). Recall@5 and MRR@10 for BM25 only, vector
 *       only and hybrid (reciprocal-rank fusion), embedded with a local model (all-MiniLM-L6-v2,
 *       quantized, ONNX);</li>
 *   <li>ingestion: a generated 200-page PDF through extraction, chunking (auto: 800/400 tokens),
 *       embedding and indexing, in pages per second, with a hash embedder (as the mock provider's)
 *       and with the local model;</li>
 *   <li>search latency at 100,000 chunks (384-dimension vectors, generated text): p50 and p99 of
 *       hybrid and BM25-only searches, one thread;</li>
 *   <li>rerank: what reranking adds to a search end to end over HTTP (a gateway started in process
 *       with the mock provider, ~200 chunks): {@code POST /v1/vector_stores/{id}/search} with
 *       {@code ranker: none} against the mock reranker (40 candidates for 10 results), p50 and p99,
 *       one client. The gateway's own cost of reranking (the loopback call, routing, the request log,
 *       JSON both ways); a hosted reranker adds its own answer time on top.</li>
 * </ol>
 * Embeddings are made in process (no HTTP), so ingestion numbers leave out the gateway round trip.
 */
public class RagBench {
    static final String[] INDUSTRIES = {
        "copper mining", "glass blowing", "salmon fishing", "silk weaving", "wine making", "clock making",
        "shipbuilding", "cheese making", "timber logging", "pottery", "beekeeping", "paper milling",
        "tea growing", "wool spinning", "brick making", "olive pressing", "rope making", "salt harvesting",
        "violin making", "soap boiling"};
    static final String[] INDUSTRY_PARAPHRASES = {
        "digging reddish metal out of the ground", "shaping molten sand into vessels", "catching pink river fish",
        "producing fine fabric spun by caterpillars", "fermenting grapes", "building instruments that tell the time",
        "constructing seagoing vessels", "turning milk into aged wheels", "cutting down forests for lumber",
        "firing clay into bowls and jugs", "keeping hives for honey", "turning wood pulp into sheets for writing",
        "cultivating leaves for a hot drink", "turning sheep fleece into yarn", "baking clay blocks for walls",
        "crushing small green fruit for oil", "twisting fibres into cords", "evaporating seawater for seasoning",
        "crafting bowed string instruments", "cooking fat and lye into cleaning bars"};
    static final String[] FESTIVALS = {
        "a lantern parade", "a kite contest", "a harvest dance", "a river regatta", "a snow sculpture fair",
        "a midsummer bonfire", "a puppet theatre week", "a bread baking competition", "a horse race",
        "a night market of candles", "a choir gathering", "a pumpkin carving day", "a flower carpet display",
        "a chess marathon", "a fireworks night"};
    static final String[] FESTIVAL_PARAPHRASES = {
        "a procession of glowing paper lights", "a competition of things flown on strings in the wind",
        "dancing to celebrate gathering the crops", "boat races on the water", "carving figures out of frozen flakes",
        "a big fire on the longest day", "shows with marionettes", "a contest for the best loaves",
        "galloping steeds competing", "an evening bazaar lit by wax tapers", "singers meeting to perform together",
        "hollowing out orange gourds", "patterns laid out in blossoms on the streets", "playing the board game of kings for days",
        "rockets exploding in the dark sky"};
    static final String[] FILLER = {
        "The old bridge was rebuilt after the flood.", "A small railway connects it to the coast.",
        "Its library holds maps from three centuries.", "The weather is mild in spring and windy in autumn.",
        "Many families have lived there for generations.", "A hiking trail climbs to a ruined castle.",
        "The market square is paved with grey stones.", "Local schools teach two languages."};

    record Doc(String id, String text) {}

    record Query(String text, String expected, String kind) {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rag-bench");
        EmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        Function<List<String>, List<float[]>> local = texts -> model.embedAll(texts.stream().map(TextSegment::from).toList())
                .content().stream().map(e -> e.vector()).toList();
        String part = args.length > 1 ? args[1] : "all";
        if (part.equals("all") || part.equals("quality")) {
            quality(work.resolve("quality"), local);
        }
        if (part.equals("all") || part.equals("ingestion")) {
            ingestion(work, "hash (as the mock provider)", RagBench::hashVectors);
            ingestion(work, "all-MiniLM-L6-v2 (local ONNX)", local);
        }
        if (part.equals("all") || part.equals("latency")) {
            latency(work.resolve("latency"), args.length > 0 ? Integer.parseInt(args[0]) : 100_000);
        }
        if (part.equals("all") || part.equals("rerank")) {
            rerank(work.resolve("rerank"));
        }
    }

    // ---- quality

    static void quality(Path folder, Function<List<String>, List<float[]>> embed) throws Exception {
        Random random = new Random(42);
        List<Doc> docs = new ArrayList<>();
        List<Query> queries = new ArrayList<>();
        int n = 0;
        for (int f = 0; f < FESTIVALS.length; f++) {
            for (int i = 0; i < INDUSTRIES.length; i++) {
                String name = townName(random);
                String id = "town-" + n++;
                String text = name + " is a small town in the northern valley. Its economy rests on " + INDUSTRIES[i]
                        + ". Every year the town holds " + FESTIVALS[f] + ". " + FILLER[random.nextInt(FILLER.length)] + " "
                        + FILLER[random.nextInt(FILLER.length)];
                docs.add(new Doc(id, text));
                queries.add(new Query("What does " + name + " live from?", id, "names the town"));
                queries.add(new Query("Which town is known for " + INDUSTRY_PARAPHRASES[i] + " and celebrates with "
                        + FESTIVAL_PARAPHRASES[f] + "?", id, "paraphrase"));
            }
        }
        try (ChunkIndex index = new ChunkIndex(folder)) {
            List<float[]> vectors = embed.apply(docs.stream().map(Doc::text).toList());
            for (int i = 0; i < docs.size(); i++) {
                Doc d = docs.get(i);
                Chunker.Chunk c = new Chunker.Chunk(0, 0, 0, d.text().length(), d.text(), 0);
                index.put("vs_bench", d.id(), d.id(), Map.of(), "{}", List.of(new ChunkIndex.Entry(c, vectors.get(i))));
            }
            List<float[]> queryVectors = embed.apply(queries.stream().map(Query::text).toList());
            // Two halves of the labelled queries: the fusion's parameters are chosen on the even towns'
            // queries only, and every figure is reported on the odd towns' (held out), so it is not fitted.
            List<Integer> tuning = new ArrayList<>();
            List<Integer> heldOut = new ArrayList<>();
            for (int q = 0; q < queries.size(); q++) {
                (Integer.parseInt(queries.get(q).expected().substring(5)) % 2 == 0 ? tuning : heldOut).add(q);
            }
            HybridFusion chosen = HybridFusion.DEFAULT;
            double[] bestScore = {-1, -1};
            System.out.printf("%n## Fusion tuning (%d queries of the even towns; recall@5, MRR@10 over all kinds)%n%n", tuning.size());
            for (String method : List.of("BM25 only", "vector only")) {
                double[] m = measure(index, queries, queryVectors, tuning, "all", method, null);
                System.out.printf(Locale.ROOT, "%s: recall@5 %.3f, MRR@10 %.3f%n", method, m[0], m[1]);
            }
            System.out.println();
            System.out.println("| RRF k | keyword exponent | keyword floor | recall@5 | MRR@10 |");
            System.out.println("|---|---|---|---|---|");
            for (int k : new int[] {1, 5, 10, 20, 60}) {
                for (double exponent : new double[] {0, 1, 2, 4}) {
                  for (double floor : new double[] {0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}) {
                    HybridFusion fusion = new HybridFusion(k, exponent, floor);
                    double[] m = measure(index, queries, queryVectors, tuning, "all", "hybrid", fusion);
                    System.out.printf(Locale.ROOT, "| %d | %.0f | %.1f | %.3f | %.3f |%n", k, exponent, floor, m[0], m[1]);
                    if (m[0] > bestScore[0] + 1e-9 || (Math.abs(m[0] - bestScore[0]) < 1e-9 && m[1] > bestScore[1] + 1e-9)) {
                        bestScore[0] = m[0];
                        bestScore[1] = m[1];
                        chosen = fusion;
                    }
                  }
                }
            }
            System.out.printf(Locale.ROOT, "%nChosen on the tuning half: %s (the gateway's: %s)%n", chosen, HybridFusion.DEFAULT);
            System.out.printf("%n## Retrieval quality, held-out half (%d documents, %d of %d labelled queries, all-MiniLM-L6-v2)%n%n",
                    docs.size(), heldOut.size(), queries.size());
            System.out.println("| queries | method | recall@5 | MRR@10 |");
            System.out.println("|---|---|---|---|");
            for (String kind : List.of("names the town", "paraphrase", "all")) {
                for (String method : List.of("BM25 only", "vector only", "hybrid (gateway's fusion)", "hybrid (chosen on tuning half)")) {
                    HybridFusion fusion = method.contains("chosen") ? chosen : HybridFusion.DEFAULT;
                    double[] m = measure(index, queries, queryVectors, heldOut, kind, method, fusion);
                    System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %.3f |%n", kind, method, m[0], m[1]);
                }
            }
        }
    }

    /** Recall@5 and MRR@10 of one method over the queries {@code subset} of one kind ("all": every kind). */
    static double[] measure(ChunkIndex index, List<Query> queries, List<float[]> queryVectors, List<Integer> subset, String kind,
            String method, HybridFusion fusion) throws java.io.IOException {
        double recall = 0;
        double mrr = 0;
        int count = 0;
        for (int q : subset) {
            Query query = queries.get(q);
            if (!kind.equals("all") && !kind.equals(query.kind())) {
                continue;
            }
            List<ChunkIndex.Hit> hits = switch (method) {
                case "BM25 only" -> index.search(List.of("vs_bench"), query.text(), null, null, 10, 0);
                case "vector only" -> index.search(List.of("vs_bench"), "", queryVectors.get(q), null, 10, 0);
                default -> index.search(List.of("vs_bench"), query.text(), queryVectors.get(q), null, 10, 0, fusion);
            };
            for (int rank = 0; rank < hits.size(); rank++) {
                if (hits.get(rank).fileId().equals(query.expected())) {
                    recall += rank < 5 ? 1 : 0;
                    mrr += 1.0 / (rank + 1);
                    break;
                }
            }
            count++;
        }
        return new double[] {recall / count, mrr / count};
    }

    static String townName(Random random) {
        String[] a = {"Var", "Bel", "Tor", "Ash", "Mir", "Kel", "Dun", "Fen", "Gal", "Hol", "Lor", "Nes", "Os", "Pel", "Quin", "Ros"};
        String[] b = {"holm", "wick", "stead", "ford", "mere", "by", "thorpe", "haven", "ridge", "dale", "more", "gate"};
        String[] c = {"", "ton", "ley", "ark", "en", "is"};
        return a[random.nextInt(a.length)] + b[random.nextInt(b.length)] + c[random.nextInt(c.length)]
                + (char) ('a' + random.nextInt(26)) + random.nextInt(100);
    }

    // ---- ingestion

    static void ingestion(Path work, String embedder, Function<List<String>, List<float[]>> embed) throws Exception {
        int pages = 200;
        Path pdf = work.resolve("book.pdf");
        if (!Files.exists(pdf)) {
            Random random = new Random(7);
            try (PDDocument doc = new PDDocument()) {
                PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
                for (int p = 0; p < pages; p++) {
                    PDPage page = new PDPage();
                    doc.addPage(page);
                    try (PDPageContentStream content = new PDPageContentStream(doc, page)) {
                        content.beginText();
                        content.setFont(font, 10);
                        content.setLeading(12);
                        content.newLineAtOffset(40, 740);
                        for (int line = 0; line < 50; line++) {
                            StringBuilder text = new StringBuilder();
                            for (int w = 0; w < 12; w++) {
                                text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
                            }
                            content.showText(text.toString());
                            content.newLine();
                        }
                        content.endText();
                    }
                }
                doc.save(pdf.toFile());
            }
        }
        Path folder = work.resolve("ingest-" + System.nanoTime());
        try (ChunkIndex index = new ChunkIndex(folder)) {
            long t0 = System.nanoTime();
            List<TextExtractor.Section> sections = TextExtractor.extract(pdf);
            long t1 = System.nanoTime();
            List<Chunker.Chunk> chunks = Chunker.chunk(sections, Chunker.AUTO_MAX, Chunker.AUTO_OVERLAP, 1_000_000);
            long t2 = System.nanoTime();
            List<ChunkIndex.Entry> entries = new ArrayList<>();
            for (int from = 0; from < chunks.size(); from += 64) {
                List<Chunker.Chunk> batch = chunks.subList(from, Math.min(chunks.size(), from + 64));
                List<float[]> vectors = embed.apply(batch.stream().map(Chunker.Chunk::text).toList());
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(new ChunkIndex.Entry(batch.get(i), vectors.get(i)));
                }
            }
            long t3 = System.nanoTime();
            index.put("vs_bench", "file-book", "book.pdf", Map.of(), "{}", entries);
            long t4 = System.nanoTime();
            double seconds = (t4 - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%n## Ingestion, %s: %d pages, %d chunks in %.2f s = %.1f pages/s"
                    + " (extract %.2f s, chunk %.2f s, embed %.2f s, index %.2f s)%n", embedder, pages, chunks.size(), seconds,
                    pages / seconds, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9);
        }
    }

    /** A unit vector from the text's hash, as the mock provider embeds (no meaning). */
    static List<float[]> hashVectors(List<String> texts) {
        return texts.stream().map(t -> randomUnit(new Random(t.hashCode()), 256)).toList();
    }

    static float[] randomUnit(Random random, int dimensions) {
        float[] v = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dimensions; i++) {
            v[i] *= scale;
        }
        return v;
    }

    static final String[] WORDS = ("the of and to in is was for on are with as his they be at one have this from or had by word but"
            + " what some we can out other were all there when up use your how said an each she which do their time if will way"
            + " about many then them write would like so these her long make thing see him two has look more day could go come did"
            + " number sound no most people my over know water than call first who may down side been now find any new work part"
            + " take get place made live where after back little only round man year came show every good me give our under name"
            + " very through just form sentence great think say help low line differ turn cause much mean before move right boy"
            + " old too same tell does set three want air well also play small end put home read hand port large spell add even"
            + " land here must big high such follow act why ask men change went light kind off need house picture try us again"
            + " animal point mother world near build self earth father head stand own page should country found answer school grow"
            + " study still learn plant cover food sun four between state keep eye never last let thought city tree cross farm hard"
            + " start might story saw far sea draw left late run while press close night real life few north open seem together"
            + " next white children begin got walk example ease paper group always music those both mark often letter until mile"
            + " river car feet care second book carry took science eat room friend began idea fish mountain stop once base hear"
            + " horse cut sure watch color face wood main enough plain girl usual young ready above ever red list though feel talk"
            + " bird soon body dog family direct pose leave song measure door product black short numeral class wind question"
            + " happen complete ship area half rock order fire south problem piece told knew pass since top whole king space heard"
            + " best hour better true during hundred five remember step early hold west ground interest reach fast verb sing listen"
            + " six table travel less morning ten simple several vowel toward war lay against pattern slow center love person money"
            + " serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry dark"
            + " machine note wait plan figure star box noun field rest correct able pound done beauty drive stood contain front"
            + " teach week final gave green oh quick develop ocean warm free minute strong special mind behind clear tail produce"
            + " fact street inch multiply nothing course stay wheel full force blue object decide surface deep moon island foot"
            + " system busy test record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape"
            + " equate hot miss brought heat snow tire bring yes distant fill east paint language among").split(" ");

    // ---- latency

    static void latency(Path folder, int chunks) throws Exception {
        Random random = new Random(11);
        int dims = 384;
        try (ChunkIndex index = new ChunkIndex(folder)) {
            long t0 = System.nanoTime();
            int perFile = 1000;
            for (int f = 0; f < chunks / perFile; f++) {
                List<ChunkIndex.Entry> entries = new ArrayList<>(perFile);
                for (int c = 0; c < perFile; c++) {
                    StringBuilder text = new StringBuilder();
                    for (int w = 0; w < 120; w++) {
                        text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
                    }
                    entries.add(new ChunkIndex.Entry(new Chunker.Chunk(c, 0, 0, text.length(), text.toString(), 0),
                            randomUnit(random, dims)));
                }
                index.put("vs_bench", "file-" + f, "file-" + f + ".txt", Map.of(), "{}", entries);
            }
            long built = System.nanoTime();
            // Searched once the merges the build left running are done: an index that has taken its
            // files and settled, not one whose merges compete with the searches for the cores.
            int segments = index.settle();
            long settled = System.nanoTime();
            System.out.printf(Locale.ROOT, "%n## Search latency at %,d chunks (%d dimensions), one thread; index built in %.0f s,"
                    + " merges settled %.0f s later into %d segments%n%n", chunks, dims, (built - t0) / 1e9, (settled - built) / 1e9,
                    segments);
            System.out.println("| search | p50 ms | p99 ms |");
            System.out.println("|---|---|---|");
            for (String method : List.of("hybrid (BM25 + HNSW, RRF), top 10", "BM25 only, top 10")) {
                int runs = 1000;
                long[] nanos = new long[runs];
                for (int warm = 0; warm < 200 + runs; warm++) {
                    String q = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)] + " "
                            + WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)];
                    float[] v = method.startsWith("hybrid") ? randomUnit(random, dims) : null;
                    long s = System.nanoTime();
                    index.search(List.of("vs_bench"), q, v, null, 10, 0);
                    long e = System.nanoTime() - s;
                    if (warm >= 200) {
                        nanos[warm - 200] = e;
                    }
                }
                Arrays.sort(nanos);
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", method, nanos[runs / 2] / 1e6, nanos[runs * 99 / 100] / 1e6);
            }
        }
    }

    // ---- rerank

    static void rerank(Path folder) throws Exception {
        Files.createDirectories(folder);
        String key = "bench-master-key-0123456789";
        Path config = Files.writeString(folder.resolve("gatehouse.yaml"), """
                providers:
                  mock: {kind: mock}
                models:
                  gpt-4o-mini: {targets: [{provider: mock}]}
                  text-embedding-3-small: {type: embedding, targets: [{provider: mock}]}
                  mock-rerank: {type: rerank, targets: [{provider: mock}]}
                auth:
                  master-key: %s
                """.formatted(key));
        Random random = new Random(13);
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < 200; p++) {
            for (int w = 0; w < 90; w++) {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            text.append("\n\n");
        }
        try (dev.gatehouse.Gatehouse gateway = dev.gatehouse.Gatehouse.start(
                new dev.gatehouse.Gatehouse.Options(config, "127.0.0.1", 0, folder.resolve("data"), false))) {
            String origin = "http://127.0.0.1:" + gateway.port();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String boundary = "bench" + System.nanoTime();
            String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--" + boundary
                    + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"words.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                    + text + "\r\n--" + boundary + "--\r\n";
            String file = field(http.send(request(origin + "/v1/files", key, "multipart/form-data; boundary=" + boundary, multipart),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body(), "id");
            String store = field(post(http, origin + "/v1/vector_stores", key, "{\"name\":\"bench\"}"), "id");
            post(http, origin + "/v1/vector_stores/" + store + "/files", key, "{\"file_id\":\"" + file + "\",\"chunking_strategy\":"
                    + "{\"type\":\"static\",\"static\":{\"max_chunk_size_tokens\":100,\"chunk_overlap_tokens\":0}}}");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!field(get(http, origin + "/v1/vector_stores/" + store + "/files/" + file, key), "status").equals("completed")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the file was not indexed in 2 minutes");
                }
                Thread.sleep(50);
            }
            System.out.printf("%n## Reranking cost per search, end to end over HTTP (mock provider, one client)%n%n");
            System.out.println("| search, top 10 | p50 ms | p99 ms |");
            System.out.println("|---|---|---|");
            // Alternated, after a shared warm-up, so both see the same JIT state and the same load on the machine.
            String[] rankers = {"none", "mock-rerank"};
            int warmup = 300;
            int runs = 1000;
            long[][] nanos = new long[2][runs];
            for (int i = 0; i < warmup + runs; i++) {
                for (int r = 0; r < rankers.length; r++) {
                    String q = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)] + " "
                            + WORDS[random.nextInt(WORDS.length)];
                    long s = System.nanoTime();
                    String body = post(http, origin + "/v1/vector_stores/" + store + "/search", key, "{\"query\":\"" + q
                            + "\",\"max_num_results\":10,\"ranking_options\":{\"ranker\":\"" + rankers[r] + "\"}}");
                    long e = System.nanoTime() - s;
                    if (!body.contains("search_results.page")) {
                        throw new IllegalStateException("search failed: " + body);
                    }
                    if (i >= warmup) {
                        nanos[r][i - warmup] = e;
                    }
                }
            }
            double[] p50 = new double[2];
            for (int r = 0; r < rankers.length; r++) {
                Arrays.sort(nanos[r]);
                p50[r] = nanos[r][runs / 2] / 1e6;
                System.out.printf(Locale.ROOT, "| ranker %s | %.2f | %.2f |%n", rankers[r], p50[r], nanos[r][runs * 99 / 100] / 1e6);
            }
            System.out.printf(Locale.ROOT, "%nReranking 40 candidates through the gateway adds %.2f ms at p50.%n", p50[1] - p50[0]);
        }
    }

    static java.net.http.HttpRequest request(String url, String key, String type, String body) {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", type).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static String post(java.net.http.HttpClient http, String url, String key, String json) throws Exception {
        return http.send(request(url, key, "application/json", json), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    static String get(java.net.http.HttpClient http, String url, String key) throws Exception {
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Bearer " + key).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    static String field(String json, String name) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path(name).asText("");
    }
}
