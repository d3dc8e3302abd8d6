package dev.promptbatch.input;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.opencsv.RFC4180Parser;
import com.opencsv.RFC4180ParserBuilder;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * CSV with a header row, RFC 4180 quoting (commas, doubled quotes and line breaks inside quoted fields).
 * OpenCSV's parser is fed one physical line at a time so that each record keeps the line it starts on, and so that
 * a quote left open cannot swallow the rest of the file: a record spanning several lines that turns out malformed is
 * reported at its first line, and reading resumes on the line after it.
 */
final class CsvRecordReader implements RecordReader {
    private final Path file;
    private final int maxRecordBytes;
    private final PhysicalLineReader lines;
    private final List<String> columns;
    private RFC4180Parser parser = new RFC4180ParserBuilder().build();
    private long recordNumber;

    CsvRecordReader(Path file, int maxRecordBytes) {
        this.file = file;
        this.maxRecordBytes = maxRecordBytes;
        try {
            this.lines = new PhysicalLineReader(file, maxRecordBytes);
        } catch (IOException e) {
            throw InputException.cannotOpen(file, e);
        }
        this.columns = readHeader();
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public InputRecord next() {
        PhysicalLineReader.Line first = lines.nextNonBlank();
        if (first == null) {
            return null;
        }
        long number = ++recordNumber;
        if (!first.readable()) {
            return new BadRecord(number, first.number(), first.problem());
        }
        List<PhysicalLineReader.Line> consumed = new ArrayList<>();
        consumed.add(first);
        long bytes = first.bytes();
        String problem = null;
        try {
            String[] fields = parser.parseLineMulti(first.text());
            while (parser.isPending()) {
                PhysicalLineReader.Line line = lines.next();
                if (line == null) {
                    return unclosedQuote(number, consumed, "it is still open at the end of the file");
                }
                consumed.add(line);
                if (!line.readable()) {
                    problem = "line " + line.number() + " inside this record: " + line.problem();
                    fields = append(fields, parser.parseLineMulti(""));
                    continue;
                }
                bytes += line.bytes() + 1;
                if (bytes > maxRecordBytes) {
                    return unclosedQuote(number, consumed, "the record grows past " + maxRecordBytes + " bytes");
                }
                fields = append(fields, parser.parseLineMulti(line.text()));
            }
            if (problem != null) {
                return new BadRecord(number, first.number(), problem);
            }
            if (fields.length != columns.size()) {
                if (consumed.size() > 1) {
                    return unclosedQuote(
                            number,
                            consumed,
                            "the record it makes has " + fields.length + " fields instead of " + columns.size());
                }
                return new BadRecord(
                        number,
                        first.number(),
                        "expected " + columns.size() + " fields (" + String.join(",", columns) + "), found "
                                + fields.length);
            }
            ObjectNode record = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < fields.length; i++) {
                record.put(columns.get(i), fields[i]);
            }
            return new DataRecord(number, first.number(), record);
        } catch (IOException e) {
            parser = new RFC4180ParserBuilder().build();
            return new BadRecord(number, first.number(), "malformed CSV: " + e.getMessage());
        }
    }

    /** While a quoted field spans lines, the parser returns the fields completed so far with each line. */
    private static String[] append(String[] before, String[] after) {
        String[] all = Arrays.copyOf(before, before.length + after.length);
        System.arraycopy(after, 0, all, before.length, after.length);
        return all;
    }

    /** Reports the record's first line and reads the lines it swallowed again as records of their own. */
    private BadRecord unclosedQuote(long number, List<PhysicalLineReader.Line> consumed, String why) {
        parser = new RFC4180ParserBuilder().build();
        lines.pushBack(consumed.subList(1, consumed.size()));
        PhysicalLineReader.Line first = consumed.get(0);
        return new BadRecord(
                number,
                first.number(),
                "unclosed quote: a quoted field starts on line " + first.number() + " but " + why
                        + "; the following lines are read as records of their own");
    }

    /** The header's column names; none for a file with nothing but blank lines, which has no records either. */
    private List<String> readHeader() {
        PhysicalLineReader.Line header = lines.next();
        if (header != null && header.readable() && header.text().isBlank()) {
            if (onlyBlankLinesFollow()) {
                return List.of();
            }
            throw new InputException(file + ": line 1: expected a header row naming the columns");
        }
        if (header == null) {
            return List.of();
        }
        if (!header.readable()) {
            throw new InputException(file + ": line 1 (header): " + header.problem());
        }
        String[] names;
        try {
            names = parser.parseLine(header.text());
        } catch (IOException e) {
            throw new InputException(file + ": line 1 (header): " + e.getMessage(), e);
        }
        List<String> result = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            String column = name.trim();
            if (column.isEmpty()) {
                throw new InputException(file + ": line 1 (header): column " + (result.size() + 1) + " has no name");
            }
            if (!seen.add(column)) {
                throw new InputException(file + ": line 1 (header): column '" + column + "' appears twice");
            }
            result.add(column);
        }
        return List.copyOf(result);
    }

    private boolean onlyBlankLinesFollow() {
        for (PhysicalLineReader.Line line = lines.next(); line != null; line = lines.next()) {
            if (!line.readable() || !line.text().isBlank()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        lines.close();
    }
}
