package dev.gatehouse.rag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The chunks of every vector store in one embedded Lucene index under the data folder: BM25 over
 * the text, HNSW over the vectors (cosine), attributes indexed so that filters run inside both
 * searches (before the top-k cut, not after). A file attached to several stores is indexed once per
 * store. Deletes are applied, merged away and made visible before they return: a deleted file is
 * neither found nor left in the index's files. Blocking: call it off the event loop.
 */
public final class ChunkIndex implements AutoCloseable {
    static final String STORE = "store";
    static final String FILE = "file";
    private static final String ID = "id";
    private static final String TEXT = "text";
    private static final String FILENAME = "filename";
    private static final String PAGE = "page";
    private static final String START = "start";
    private static final String END = "end";
    private static final String ATTRIBUTES = "attributes";
    /** Commit data: the last shared change applied (server mode). */
    private static final String APPLIED = "gatehouse.applied-seq";

    private final Analyzer analyzer = new StandardAnalyzer();
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;

    /** A chunk as indexed: its vector may be null (a store without an embedding model). */
    public record Entry(Chunker.Chunk chunk, float[] vector) {}

    /** One search hit; {@code score} in 0..1 (see {@link #search}). */
    public record Hit(String storeId, String fileId, String filename, double score, String text, int page, int start, int end,
            String attributesJson) {}

    public ChunkIndex(Path folder) {
        this(open(folder), folder.toString());
    }

    /** An index in memory only (ephemeral knowledge bases): nothing is written to disk. */
    public static ChunkIndex inMemory() {
        return new ChunkIndex(new ByteBuffersDirectory(), "memory");
    }

    private static Directory open(Path folder) {
        try {
            return FSDirectory.open(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the search index in " + folder, e);
        }
    }

    private ChunkIndex(Directory directory, String where) {
        this.directory = directory;
        try {
            TieredMergePolicy merges = new TieredMergePolicy();
            // Merge away every deleted chunk when asked, not only segments past 10 % deletions:
            // a deleted file must leave no text behind in the index's files.
            merges.setForceMergeDeletesPctAllowed(0);
            writer = new IndexWriter(directory, new IndexWriterConfig(analyzer).setMergePolicy(merges).setCodec(new WideVectorsCodec()));
            searchers = new SearcherManager(writer, true, true, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the search index in " + where, e);
        }
    }

    /** Replaces the chunks of one file in one store. */
    public void put(String storeId, String fileId, String filename, Map<String, Object> attributes, String attributesJson,
            List<Entry> entries) throws IOException {
        List<Document> docs = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            Document doc = new Document();
            doc.add(new StringField(ID, storeId + "/" + fileId + "/" + e.chunk().index(), Field.Store.NO));
            doc.add(new StringField(STORE, storeId, Field.Store.YES));
            doc.add(new StringField(FILE, fileId, Field.Store.YES));
            doc.add(new StoredField(FILENAME, filename));
            doc.add(new TextField(TEXT, e.chunk().text(), Field.Store.YES));
            doc.add(new StoredField(PAGE, e.chunk().page()));
            doc.add(new StoredField(START, e.chunk().start()));
            doc.add(new StoredField(END, e.chunk().end()));
            doc.add(new StoredField(ATTRIBUTES, attributesJson));
            SearchFilters.index(doc, attributes);
            if (e.vector() != null) {
                doc.add(new KnnFloatVectorField(vectorField(e.vector().length), e.vector(), VectorSimilarityFunction.COSINE));
            }
            docs.add(doc);
        }
        writer.deleteDocuments(fileInStore(storeId, fileId));
        writer.addDocuments(docs);
        writer.commit();
        searchers.maybeRefreshBlocking();
    }

    /**
     * Waits for the background merges that are due (every put commits a segment of its own; the
     * merge policy folds them together on other threads), then returns how many segments a search
     * walks. For benchmarks and operators measuring a settled index; searches never wait for it.
     */
    public int settle() throws IOException {
        writer.maybeMerge();
        if (writer.getConfig().getMergeScheduler() instanceof org.apache.lucene.index.ConcurrentMergeScheduler merges) {
            merges.sync();
        }
        searchers.maybeRefreshBlocking();
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.getIndexReader().leaves().size();
        } finally {
            searchers.release(searcher);
        }
    }

    /** Removes one file's chunks from one store. */
    public void deleteFileInStore(String storeId, String fileId) throws IOException {
        purge(fileInStore(storeId, fileId));
    }

    /** Removes one file's chunks from every store. */
    public void deleteFile(String fileId) throws IOException {
        purge(new TermQuery(new Term(FILE, fileId)));
    }

    /** Removes every chunk of one store. */
    public void deleteStore(String storeId) throws IOException {
        purge(new TermQuery(new Term(STORE, storeId)));
    }

    private void purge(Query query) throws IOException {
        writer.deleteDocuments(query);
        writer.forceMergeDeletes(true);
        writer.commit();
        searchers.maybeRefreshBlocking();
        writer.deleteUnusedFiles();
    }

    /** One indexed chunk of a file as stored, with its vector (null without one). */
    private record Stored(Document doc, int page, int start, float[] vector) {}

    /** The text of one file's chunks in one store, in reading order (page, then offset). */
    public List<String> chunkTexts(String storeId, String fileId) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return storedChunks(searcher, storeId, fileId).stream().map(c -> c.doc().get(TEXT)).toList();
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * Replaces the attributes of one file's chunks in one store, in place: the same text and the
     * same vectors (read back from the index, so nothing is embedded again), the new attributes
     * indexed for filters. Returns how many chunks changed.
     */
    public int updateAttributes(String storeId, String fileId, Map<String, Object> attributes, String attributesJson)
            throws IOException {
        List<Stored> chunks;
        IndexSearcher searcher = searchers.acquire();
        try {
            chunks = storedChunks(searcher, storeId, fileId);
        } finally {
            searchers.release(searcher);
        }
        if (chunks.isEmpty()) {
            return 0;
        }
        List<Entry> entries = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            Stored c = chunks.get(i);
            int end = c.doc().getField(END).numericValue().intValue();
            entries.add(new Entry(new Chunker.Chunk(i, c.page(), c.start(), end, c.doc().get(TEXT), 0), c.vector()));
        }
        put(storeId, fileId, chunks.getFirst().doc().get(FILENAME), attributes, attributesJson, entries);
        return entries.size();
    }

    private List<Stored> storedChunks(IndexSearcher searcher, String storeId, String fileId) throws IOException {
        Query query = fileInStore(storeId, fileId);
        int n = Math.max(1, searcher.count(query));
        List<Stored> chunks = new ArrayList<>();
        List<org.apache.lucene.index.LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        for (ScoreDoc hit : searcher.search(query, n).scoreDocs) {
            org.apache.lucene.index.LeafReaderContext leaf = leaves.get(org.apache.lucene.index.ReaderUtil.subIndex(hit.doc, leaves));
            Document doc = searcher.storedFields().document(hit.doc);
            chunks.add(new Stored(doc, doc.getField(PAGE).numericValue().intValue(), doc.getField(START).numericValue().intValue(),
                    vectorOf(leaf.reader(), hit.doc - leaf.docBase)));
        }
        chunks.sort(Comparator.comparingInt(Stored::page).thenComparingInt(Stored::start));
        return chunks;
    }

    /** A chunk's vector, read back from whichever vector field (one per dimension) holds it; null when none. */
    private static float[] vectorOf(org.apache.lucene.index.LeafReader reader, int doc) throws IOException {
        for (org.apache.lucene.index.FieldInfo field : reader.getFieldInfos()) {
            if (field.getVectorDimension() == 0) {
                continue;
            }
            org.apache.lucene.index.FloatVectorValues values = reader.getFloatVectorValues(field.name);
            if (values == null) {
                continue;
            }
            org.apache.lucene.index.KnnVectorValues.DocIndexIterator it = values.iterator();
            if (it.advance(doc) == doc) {
                return values.vectorValue(it.index()).clone();
            }
        }
        return null;
    }

    /**
     * The last change of the shared log (server mode) this index holds, kept in the index's own
     * commit so that the two never disagree after a crash; 0 for a new (or embedded-mode) index.
     */
    public long appliedSeq() {
        Iterable<Map.Entry<String, String>> data = writer.getLiveCommitData();
        if (data != null) {
            for (Map.Entry<String, String> e : data) {
                if (APPLIED.equals(e.getKey())) {
                    return Long.parseLong(e.getValue());
                }
            }
        }
        return 0;
    }

    /** Records (durably) that this index holds the shared log up to {@code seq}. */
    public void markApplied(long seq) throws IOException {
        writer.setLiveCommitData(Map.of(APPLIED, Long.toString(seq)).entrySet());
        writer.commit();
    }

    /** Removes every chunk (a node rebuilding its index from the database). */
    public void clear() throws IOException {
        writer.deleteAll();
        writer.setLiveCommitData(Map.of(APPLIED, "0").entrySet());
        writer.commit();
        searchers.maybeRefreshBlocking();
        writer.deleteUnusedFiles();
    }

    /** How many chunks one file has in one store. */
    public int count(String storeId, String fileId) throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.count(fileInStore(storeId, fileId));
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * Hybrid search in the given stores: the BM25 ranking of {@code text} and, when {@code vector} is
     * given, the HNSW ranking of the vector, fused by reciprocal rank. A hit's score is its fused score
     * divided by the best possible (first in every ranking that found anything), so 1.0 is the top of
     * every list and a threshold means the same with or without vectors.
     *
     * @param filter attribute filter (from {@link SearchFilters#parse}), applied inside both searches; null: none
     */
    public List<Hit> search(Collection<String> storeIds, String text, float[] vector, Query filter, int limit, double threshold)
            throws IOException {
        return search(storeIds, text, vector, filter, limit, threshold, HybridFusion.DEFAULT);
    }

    /** {@link #search(Collection, String, float[], Query, int, double)} with another fusion (bench/rag tunes it). */
    public List<Hit> search(Collection<String> storeIds, String text, float[] vector, Query filter, int limit, double threshold,
            HybridFusion fusion) throws IOException {
        BooleanQuery.Builder scope = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
        storeIds.forEach(id -> scope.add(new TermQuery(new Term(STORE, id)), BooleanClause.Occur.SHOULD));
        BooleanQuery.Builder within = new BooleanQuery.Builder().add(scope.build(), BooleanClause.Occur.FILTER);
        if (filter != null) {
            within.add(filter, BooleanClause.Occur.FILTER);
        }
        Query where = within.build();
        int candidates = Math.max(50, limit * 5);
        IndexSearcher searcher = searchers.acquire();
        try {
            List<ScoreDoc[]> rankings = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            Query keywords = keywords(searcher, text, where);
            ScoreDoc[] bm25 = keywords == null ? new ScoreDoc[0] : searcher.search(keywords, candidates).scoreDocs;
            if (bm25.length > 0) {
                rankings.add(bm25);
                weights.add(vector == null ? 1.0 : fusion.keywordWeight(bm25));
            }
            if (vector != null) {
                ScoreDoc[] knn = searcher.search(new KnnFloatVectorQuery(vectorField(vector.length), vector, candidates, where),
                        candidates).scoreDocs;
                if (knn.length > 0) {
                    rankings.add(knn);
                    weights.add(1.0);
                }
            }
            if (rankings.isEmpty()) {
                return List.of();
            }
            Map<Integer, Double> fused = new HashMap<>();
            double best = 0;
            for (int r = 0; r < rankings.size(); r++) {
                ScoreDoc[] ranking = rankings.get(r);
                double weight = weights.get(r);
                best += fusion.contribution(weight, 0);
                for (int rank = 0; rank < ranking.length; rank++) {
                    fused.merge(ranking[rank].doc, fusion.contribution(weight, rank), Double::sum);
                }
            }
            StoredFields stored = searcher.storedFields();
            Map<Integer, Double> ordered = new LinkedHashMap<>();
            fused.entrySet().stream().sorted(Map.Entry.<Integer, Double>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey())).forEach(e -> ordered.put(e.getKey(), e.getValue()));
            List<Hit> hits = new ArrayList<>();
            for (Map.Entry<Integer, Double> e : ordered.entrySet()) {
                double score = e.getValue() / best;
                if (score < threshold || hits.size() == limit) {
                    break;
                }
                Document doc = stored.document(e.getKey());
                hits.add(new Hit(doc.get(STORE), doc.get(FILE), doc.get(FILENAME), score, doc.get(TEXT),
                        doc.getField(PAGE).numericValue().intValue(), doc.getField(START).numericValue().intValue(),
                        doc.getField(END).numericValue().intValue(), doc.get(ATTRIBUTES)));
            }
            return hits;
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * The query's informative words as a BM25 disjunction within {@code where}; null when it has
     * none. A word found in more than half of the index's chunks carries no evidence (articles,
     * "town" in a corpus about towns) and is left out, as Lucene's common-terms query does: kept,
     * such words rank every chunk by length, and that noise, fused with the vector ranking, buries
     * the vector's good hits.
     */
    private Query keywords(IndexSearcher searcher, String text, Query where) throws IOException {
        BooleanQuery.Builder words = new BooleanQuery.Builder();
        int documents = searcher.getIndexReader().numDocs();
        int n = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (TokenStream tokens = analyzer.tokenStream(TEXT, text)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken() && n < IndexSearcher.getMaxClauseCount() - 2) {
                Term t = new Term(TEXT, term.toString());
                if (!seen.add(t.text()) || (documents >= 4 && searcher.getIndexReader().docFreq(t) * 2 > documents)) {
                    continue;
                }
                words.add(new TermQuery(t), BooleanClause.Occur.SHOULD);
                n++;
            }
            tokens.end();
        }
        if (n == 0) {
            return null;
        }
        return new BooleanQuery.Builder().add(words.build(), BooleanClause.Occur.MUST).add(where, BooleanClause.Occur.FILTER).build();
    }

    private static Query fileInStore(String storeId, String fileId) {
        return new BooleanQuery.Builder().add(new TermQuery(new Term(STORE, storeId)), BooleanClause.Occur.FILTER)
                .add(new TermQuery(new Term(FILE, fileId)), BooleanClause.Occur.FILTER).build();
    }

    /** Lucene fixes a vector field's dimension: stores embedded by models of different sizes use different fields. */
    private static String vectorField(int dimensions) {
        return "v" + dimensions;
    }

    @Override
    public void close() throws IOException {
        searchers.close();
        writer.close();
        directory.close();
    }
}
