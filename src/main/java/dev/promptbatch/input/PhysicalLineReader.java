package dev.promptbatch.input;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Splits a UTF-8 file into physical lines with their 1-based numbers. Each line is decoded on its own, so invalid
 * UTF-8 or an over-long line spoils that line only. A leading byte order mark is dropped, and so is the CR of CRLF.
 */
final class PhysicalLineReader implements AutoCloseable {
    /**
     * A physical line, or the reason it could not be read (then {@code text} is null and {@code bytes} 0).
     * {@code bytes} is the line's size in the file without the line feed: {@code max-record-size} counts bytes, not
     * characters.
     */
    record Line(long number, String text, int bytes, String problem) {
        boolean readable() {
            return text != null;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private final Deque<Line> pushedBack = new ArrayDeque<>();
    private long lineNumber;
    private boolean atEnd;

    PhysicalLineReader(Path file, int maxLineBytes) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        this.maxLineBytes = maxLineBytes;
        skipByteOrderMark();
    }

    /** The next line, or null at the end of the file. */
    Line next() {
        if (!pushedBack.isEmpty()) {
            return pushedBack.pop();
        }
        if (atEnd) {
            return null;
        }
        try {
            return readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line that is not blank, or null at the end of the file; an unreadable line is returned, as a record. */
    Line nextNonBlank() {
        Line line;
        do {
            line = next();
        } while (line != null && line.readable() && line.text().isBlank());
        return line;
    }

    /** Lines to be read again, in order, before the rest of the file. */
    void pushBack(List<Line> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            pushedBack.push(lines.get(i));
        }
    }

    private Line readLine() throws IOException {
        buffer.reset();
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (buffer.size() < maxLineBytes) {
                buffer.write(b);
            } else {
                tooLong = true;
            }
        }
        if (b == -1) {
            atEnd = true;
            if (buffer.size() == 0 && !tooLong) {
                return null;
            }
        }
        long number = ++lineNumber;
        if (tooLong) {
            return new Line(number, null, 0, "line longer than " + maxLineBytes + " bytes");
        }
        byte[] bytes = buffer.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return new Line(
                    number, decoder.decode(ByteBuffer.wrap(bytes, 0, length)).toString(), bytes.length, null);
        } catch (CharacterCodingException e) {
            return new Line(number, null, 0, "not valid UTF-8");
        }
    }

    private void skipByteOrderMark() throws IOException {
        in.mark(3);
        if (!(in.read() == 0xEF && in.read() == 0xBB && in.read() == 0xBF)) {
            in.reset();
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
