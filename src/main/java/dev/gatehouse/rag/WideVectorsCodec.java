package dev.gatehouse.rag;

import java.io.IOException;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Lucene's default codec with vectors of up to 4,096 dimensions instead of 1,024: common embedding
 * models have 1,536 (text-embedding-3-small) or 3,072 (text-embedding-3-large). Only the limit
 * checked when writing changes; the files are the default HNSW format under its own name, so the
 * index reads back with Lucene's stock codec.
 */
final class WideVectorsCodec extends FilterCodec {
    static final int MAX_DIMENSIONS = 4096;
    private final KnnVectorsFormat vectors = new PerFieldKnnVectorsFormat() {
        private final KnnVectorsFormat wide = new Wide(new Lucene99HnswVectorsFormat());

        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return wide;
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return MAX_DIMENSIONS;
        }
    };

    WideVectorsCodec() {
        super(Codec.getDefault().getName(), Codec.getDefault());
    }

    @Override
    public KnnVectorsFormat knnVectorsFormat() {
        return vectors;
    }

    /** The delegate's format and name, with the higher limit. */
    private static final class Wide extends KnnVectorsFormat {
        private final KnnVectorsFormat delegate;

        Wide(KnnVectorsFormat delegate) {
            super(delegate.getName());
            this.delegate = delegate;
        }

        @Override
        public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
            return delegate.fieldsWriter(state);
        }

        @Override
        public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
            return delegate.fieldsReader(state);
        }

        @Override
        public int getMaxDimensions(String fieldName) {
            return MAX_DIMENSIONS;
        }
    }
}
