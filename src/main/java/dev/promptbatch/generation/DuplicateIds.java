package dev.promptbatch.generation;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

import dev.promptbatch.input.DataRecord;
import dev.promptbatch.input.InputRecord;
import dev.promptbatch.input.RecordReader;

/**
 * Finds ids that more than one record of the input has. Inputs can be large, so ids are not kept: each is held as
 * a 64-bit hash in an open-addressing table (8 to 16 bytes per record, about 16 MiB for a million). Only the first
 * few repeated ids are kept as text, and where each first appeared is found by reading the input again, and only
 * when some id repeats. Ids compare as text: 1 and "1" in JSON Lines are one id, as in CSV and in the output.
 */
public final class DuplicateIds {
    private static final int EXAMPLES = 3;

    private final Path input;
    private final int maxRecordBytes;
    private final String idField;
    private long[] hashes = new long[1 << 10];
    private int size;
    private long repeats;
    /** The first repeated ids: the line of their first repeat; where they first appeared is looked up later. */
    private final Map<String, Long> examples = new LinkedHashMap<>();

    public DuplicateIds(Path input, int maxRecordBytes, String idField) {
        this.input = input;
        this.maxRecordBytes = maxRecordBytes;
        this.idField = idField;
    }

    /** Notes a record's id; call in input order. */
    public void add(Object id, long line) {
        String text = String.valueOf(id);
        if (insert(hash(text))) {
            return;
        }
        repeats++;
        if (examples.size() < EXAMPLES) {
            examples.putIfAbsent(text, line);
        }
    }

    /**
     * "2 records have the id of an earlier record (...): '1' on lines 1 and 2, ...", or empty when no id repeats.
     * Reads the input again to find where the example ids first appear.
     */
    public Optional<String> describe() {
        if (repeats == 0) {
            return Optional.empty();
        }
        Map<String, Long> firstLines = firstLines();
        StringJoiner shown = new StringJoiner(", ");
        examples.forEach((id, repeat) -> shown.add("'" + id + "' on lines " + firstLines.get(id) + " and " + repeat));
        return Optional.of(repeats + " record" + (repeats == 1 ? " has" : "s have") + " the id of an earlier record "
                + "(id-field '" + idField + "'; ids compare as text, so 1 and \"1\" are one id): " + shown
                + (repeats > examples.size() ? ", ..." : "") + "; each answer carries its input line, and diff "
                + "matches repeated ids in order of appearance");
    }

    private Map<String, Long> firstLines() {
        Map<String, Long> found = new LinkedHashMap<>();
        try (RecordReader reader = RecordReader.open(input, maxRecordBytes)) {
            for (InputRecord record = reader.next();
                    record != null && found.size() < examples.size();
                    record = reader.next()) {
                if (record instanceof DataRecord data) {
                    idOf(data).filter(examples::containsKey).ifPresent(id -> found.putIfAbsent(id, data.line()));
                }
            }
        }
        return found;
    }

    /** The record's id as text, or empty when it has no usable one (it is a bad record then). */
    Optional<String> idOf(DataRecord record) {
        try {
            return Optional.of(String.valueOf(RequestBuilder.id(record, idField)));
        } catch (RuntimeException noUsableId) {
            return Optional.empty();
        }
    }

    /** Adds the hash; false when it was there already. */
    private boolean insert(long hash) {
        long key = hash == 0 ? 1 : hash;
        if (size * 4L >= hashes.length * 3L) {
            grow();
        }
        int mask = hashes.length - 1;
        for (int slot = (int) key & mask; ; slot = (slot + 1) & mask) {
            if (hashes[slot] == key) {
                return false;
            }
            if (hashes[slot] == 0) {
                hashes[slot] = key;
                size++;
                return true;
            }
        }
    }

    private void grow() {
        long[] old = hashes;
        hashes = new long[old.length * 2];
        int mask = hashes.length - 1;
        for (long key : old) {
            if (key != 0) {
                int slot = (int) key & mask;
                while (hashes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                hashes[slot] = key;
            }
        }
    }

    /** FNV-1a over the UTF-16 chars, then MurmurHash3's finaliser to spread the bits over the table's slots. */
    private static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb93fe5ae53L;
        h ^= h >>> 33;
        return h;
    }
}
