package dev.promptbatch.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {
    @TempDir
    Path dir;

    @Test
    void csvKeepsQuotedCommasDoubledQuotesLineBreaksAndLineNumbers() throws IOException {
        Path file = write(
                "p.csv",
                "sku,name,features\n"
                        + "A1,\"Pan 12\"\" cast\",\"heavy, black\"\n"
                        + "\n"
                        + "A2,Crème brûlée torch,\"line one\nline two\"\n"
                        + "A3,Zen 禅,plain\r\n");
        List<InputRecord> records = readAll(file);
        assertThat(records).hasSize(3);
        DataRecord first = (DataRecord) records.get(0);
        assertThat(first.number()).isEqualTo(1);
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.fields().get("name").asString()).isEqualTo("Pan 12\" cast");
        assertThat(first.fields().get("features").asString()).isEqualTo("heavy, black");
        DataRecord second = (DataRecord) records.get(1);
        assertThat(second.number()).isEqualTo(2);
        assertThat(second.line()).isEqualTo(4);
        assertThat(second.fields().get("features").asString()).isEqualTo("line one\nline two");
        DataRecord third = (DataRecord) records.get(2);
        assertThat(third.line()).isEqualTo(6);
        assertThat(third.fields().get("name").asString()).isEqualTo("Zen 禅");
        assertThat(third.fields().get("features").asString()).isEqualTo("plain");
    }

    @Test
    void csvWithByteOrderMarkReadsTheFirstColumnName() throws IOException {
        Path file = dir.resolve("bom.csv");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Files.write(file, concat(bom, "id,text\n1,hello\n".getBytes(StandardCharsets.UTF_8)));
        try (RecordReader reader = open(file)) {
            assertThat(reader.columns()).containsExactly("id", "text");
            assertThat(((DataRecord) reader.next()).fields().get("id").asString())
                    .isEqualTo("1");
        }
    }

    @Test
    void csvWrongFieldCountIsABadRecordAndTheRestIsRead() throws IOException {
        Path file = write("p.csv", "a,b\n1,2\n3,4,5\n6,7\n");
        List<InputRecord> records = readAll(file);
        assertThat(records).hasSize(3);
        assertThat(records.get(1)).isEqualTo(new BadRecord(2, 3, "expected 2 fields (a,b), found 3"));
        assertThat(((DataRecord) records.get(2)).fields().get("a").asString()).isEqualTo("6");
    }

    @Test
    void csvQuoteLeftOpenCostsOneRecordNotTheRestOfTheFile() throws IOException {
        StringBuilder csv = new StringBuilder("id,text\n1,ok\n2,\"never closed\n");
        for (int i = 3; i <= 50; i++) {
            csv.append(i).append(",row ").append(i).append('\n');
        }
        List<InputRecord> records = readAll(write("open.csv", csv.toString()));
        assertThat(records).hasSize(50);
        BadRecord bad = (BadRecord) records.get(1);
        assertThat(bad.line()).isEqualTo(3);
        assertThat(bad.message()).startsWith("unclosed quote: a quoted field starts on line 3");
        assertThat(records.subList(2, 50)).allMatch(r -> r instanceof DataRecord);
        assertThat(((DataRecord) records.get(49)).fields().get("text").asString())
                .isEqualTo("row 50");
        assertThat(records.get(49).line()).isEqualTo(51);
    }

    @Test
    void invalidUtf8SpoilsOnlyItsLine() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        byte[] good = "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        Files.write(file, concat(concat(good, bad), good));
        List<InputRecord> records = readAll(file);
        assertThat(records).hasSize(3);
        assertThat(records.get(1)).isEqualTo(new BadRecord(2, 2, "not valid UTF-8"));
        assertThat(records.get(2)).isInstanceOf(DataRecord.class);
    }

    @Test
    void jsonLinesSkipBlankLinesAndReportInvalidLinesWithTheirNumbers() throws IOException {
        Path file = write(
                "a.jsonl",
                "{\"id\":\"x\",\"source\":{\"name\":\"Courier\"}}\n"
                        + "\n"
                        + "{\"id\": broken\n"
                        + "[1,2]\n"
                        + "{\"id\":\"y\"} trailing\n"
                        + "{\"id\":\"z\",\"price\":19.90}\n");
        List<InputRecord> records = readAll(file);
        assertThat(records).hasSize(5);
        assertThat(((DataRecord) records.get(0)).fields().at("/source/name").asString())
                .isEqualTo("Courier");
        assertThat(records.get(1).line()).isEqualTo(3);
        assertThat(((BadRecord) records.get(1)).message()).startsWith("invalid JSON at column 8: Unrecognized token");
        assertThat(records.get(2)).isEqualTo(new BadRecord(3, 4, "not a JSON object: found an array"));
        assertThat(records.get(3)).isInstanceOf(BadRecord.class);
        assertThat(records.get(3).line()).isEqualTo(5);
        DataRecord last = (DataRecord) records.get(4);
        assertThat(last.number()).isEqualTo(5);
        assertThat(last.line()).isEqualTo(6);
        assertThat(last.fields().get("price").decimalValue().toPlainString()).isEqualTo("19.90");
    }

    @Test
    void anOverlongLineIsABadRecord() throws IOException {
        Path file = write("big.jsonl", "{\"a\":\"" + "x".repeat(200) + "\"}\n{\"a\":\"ok\"}\n");
        List<InputRecord> records = new ArrayList<>();
        try (RecordReader reader = RecordReader.open(file, 100)) {
            for (InputRecord r = reader.next(); r != null; r = reader.next()) {
                records.add(r);
            }
        }
        assertThat(records.get(0)).isEqualTo(new BadRecord(1, 1, "line longer than 100 bytes"));
        assertThat(((DataRecord) records.get(1)).fields().get("a").asString()).isEqualTo("ok");
    }

    @Test
    void aCsvRecordOverTheLimitInBytesIsABadRecordWhateverItsLengthInCharacters() throws IOException {
        // 45 characters but 125 bytes: every line fits in 100 bytes, the record does not.
        Path file = write("euro.csv", "id,text\n1,\"" + "€".repeat(20) + "\n" + "€".repeat(20) + "\"\n");
        try (RecordReader reader = RecordReader.open(file, 100)) {
            assertThat(reader.next())
                    .isEqualTo(
                            new BadRecord(
                                    1,
                                    2,
                                    "unclosed quote: a quoted field starts on line 2 "
                                            + "but the record grows past 100 bytes; the following lines are read as records of their own"));
        }
        try (RecordReader reader = RecordReader.open(file, 125)) {
            assertThat(((DataRecord) reader.next()).fields().get("text").asString())
                    .isEqualTo("€".repeat(20) + "\n" + "€".repeat(20));
        }
    }

    @Test
    void csvWithoutHeaderOrWithDuplicateColumnsCannotBeOpened() throws IOException {
        Path headless = write("headless.csv", "\n1,2\n");
        assertThatThrownBy(() -> open(headless))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("line 1: expected a header row");
        Path duplicate = write("dup.csv", "a,b,a\n1,2,3\n");
        assertThatThrownBy(() -> open(duplicate)).hasMessageContaining("column 'a' appears twice");
    }

    @Test
    void anEmptyCsvHasNoColumnsAndNoRecords() throws IOException {
        for (String content : List.of("", "\n\r\n", "\uFEFF")) {
            try (RecordReader reader = open(write("empty.csv", content))) {
                assertThat(reader.columns()).isEmpty();
                assertThat(reader.next()).isNull();
            }
        }
    }

    private List<InputRecord> readAll(Path file) {
        List<InputRecord> records = new ArrayList<>();
        try (RecordReader reader = open(file)) {
            for (InputRecord r = reader.next(); r != null; r = reader.next()) {
                records.add(r);
            }
        }
        return records;
    }

    private static RecordReader open(Path file) {
        return RecordReader.open(file, RecordReader.DEFAULT_MAX_RECORD_BYTES);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
