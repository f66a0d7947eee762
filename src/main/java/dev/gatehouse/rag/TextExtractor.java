package dev.gatehouse.rag;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.poi.xwpf.extractor.XWPFWordExtractor;
import org.apache.poi.xwpf.usermodel.XWPFDocument;

/**
 * The text of an uploaded file, by sections (a PDF's pages; one section for the other types). The
 * type is read from the content, never from the file name: a PDF starts with {@code %PDF-}, a DOCX
 * is a zip holding {@code word/document.xml}, HTML is text starting with a tag, and anything else
 * must be valid UTF-8 text (plain text, Markdown, CSV, JSON). Blocking: runs on ingestion threads.
 */
public final class TextExtractor {
    private static final Pattern SCRIPT = Pattern.compile("(?is)<(script|style)[^>]*>.*?</\\1\\s*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
    private static final Pattern BLANKS = Pattern.compile("[ \\t\\x0B\\f\\r]+");

    private TextExtractor() {}

    /** One section of a document: its text and its page (1-based; 0 when the type has no pages). */
    public record Section(int page, String text) {}

    /** A file's bytes, on disk or (ephemeral stores) in memory. */
    private interface Source {
        InputStream open() throws IOException;

        PDDocument pdf() throws IOException;

        byte[] all() throws IOException;
    }

    private static Source of(Path file) {
        return new Source() {
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            public PDDocument pdf() throws IOException {
                return Loader.loadPDF(file.toFile()); // random access on disk: a large PDF is not read into memory
            }

            public byte[] all() throws IOException {
                return Files.readAllBytes(file);
            }
        };
    }

    private static Source of(byte[] bytes) {
        return new Source() {
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }

            public PDDocument pdf() throws IOException {
                return Loader.loadPDF(bytes);
            }

            public byte[] all() {
                return bytes;
            }
        };
    }

    /** The file's type, as reported to users: pdf, docx, html or text. */
    public static String detect(Path file) throws IOException {
        return detect(of(file));
    }

    private static String detect(Source file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = file.open()) {
            n = in.readNBytes(head, 0, head.length);
        }
        String start = new String(head, 0, n, StandardCharsets.ISO_8859_1);
        if (start.startsWith("%PDF-")) {
            return "pdf";
        }
        if (start.startsWith("PK\u0003\u0004")) {
            try (ZipInputStream zip = new ZipInputStream(file.open())) {
                for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    if (e.getName().equals("word/document.xml")) {
                        return "docx";
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                // not a readable zip: unsupported below
            }
            return "binary";
        }
        String trimmed = start.stripLeading().toLowerCase(java.util.Locale.ROOT);
        if (trimmed.startsWith("<!doctype html") || trimmed.startsWith("<html") || trimmed.startsWith("<head")
                || trimmed.startsWith("<body")) {
            return "html";
        }
        return "text";
    }

    /**
     * Extracts the text of {@code file}.
     *
     * @throws UnsupportedFile when the content is of no type the gateway reads, or has no text
     */
    public static List<Section> extract(Path file) throws IOException {
        return extract(of(file));
    }

    /** Extracts the text of a file held in memory (ephemeral stores: never written to disk). */
    public static List<Section> extract(byte[] bytes) throws IOException {
        return extract(of(bytes));
    }

    private static List<Section> extract(Source file) throws IOException {
        String type = detect(file);
        List<Section> sections = switch (type) {
            case "pdf" -> pdf(file);
            case "docx" -> List.of(new Section(0, docx(file)));
            case "html" -> List.of(new Section(0, html(utf8(file))));
            case "text" -> List.of(new Section(0, utf8(file)));
            default -> throw new UnsupportedFile("The file's content is of no supported type (text, Markdown, HTML, CSV,"
                    + " JSON, PDF, DOCX).");
        };
        if (sections.stream().allMatch(s -> s.text().isBlank())) {
            throw new UnsupportedFile("The file contains no text to index (" + type + ").");
        }
        return sections;
    }

    /** A PDF's text page by page, in one pass (a range per page re-read the document each time: 30 times slower). */
    private static List<Section> pdf(Source file) throws IOException {
        List<Section> pages = new ArrayList<>();
        StringWriter out = new StringWriter();
        try (PDDocument document = file.pdf()) {
            PDFTextStripper stripper = new PDFTextStripper() {
                @Override
                protected void endPage(PDPage page) throws IOException {
                    super.endPage(page);
                    output.flush();
                    pages.add(new Section(pages.size() + 1, out.toString()));
                    out.getBuffer().setLength(0);
                }
            };
            stripper.writeText(document, out);
        } catch (IOException e) {
            throw new UnsupportedFile("The PDF cannot be read: " + e.getMessage());
        }
        return pages;
    }

    private static String docx(Source file) throws IOException {
        try (InputStream in = file.open(); XWPFDocument document = new XWPFDocument(in);
                XWPFWordExtractor extractor = new XWPFWordExtractor(document)) {
            return extractor.getText();
        } catch (IOException | RuntimeException e) {
            throw new UnsupportedFile("The DOCX file cannot be read: " + e.getMessage());
        }
    }

    /** HTML's visible text: scripts and styles dropped, tags removed, the common entities decoded. */
    static String html(String html) {
        String text = SCRIPT.matcher(html).replaceAll(" ");
        text = TAG.matcher(text).replaceAll(" ");
        text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
        return BLANKS.matcher(text).replaceAll(" ");
    }

    /** The file as UTF-8; malformed bytes mean a binary file of a type the gateway does not read. */
    private static String utf8(Source file) throws IOException {
        byte[] bytes = file.all();
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (text.indexOf('\0') >= 0) {
                throw new UnsupportedFile("The file's content is binary, of no supported type (text, Markdown, HTML, CSV,"
                        + " JSON, PDF, DOCX).");
            }
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new UnsupportedFile("The file's content is neither UTF-8 text nor of another supported type (Markdown, HTML,"
                    + " CSV, JSON, PDF, DOCX).");
        }
    }

    /** The file cannot be indexed: its content is of no supported type, or unreadable. */
    public static final class UnsupportedFile extends IOException {
        public UnsupportedFile(String message) {
            super(message);
        }
    }

}
