package dev.promptbatch.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkedFileTest {
    @TempDir
    Path dir;

    @Test
    void aResumedFileIsCutBackToItsLastCommitAndAFailedChunkIsCutBackOnClose() throws IOException {
        Path path = dir.resolve("out.csv");
        Files.writeString(path, "left over from an earlier run\n");
        try (ChunkedFile file = ChunkedFile.create(path, "id\r\n")) {
            file.write("1\r\n2\r\n");
            file.committed();
            file.write("3\r\n");
        }
        assertThat(Files.readString(path)).isEqualTo("id\r\n1\r\n2\r\n");

        Files.writeString(path, "3\r\n4", StandardOpenOption.APPEND);
        try (ChunkedFile file = ChunkedFile.resume(path, 10, "id\r\n")) {
            assertThat(file.length()).isEqualTo(10);
            file.write("3\r\n");
            file.committed();
        }
        assertThat(Files.readString(path)).isEqualTo("id\r\n1\r\n2\r\n3\r\n");
    }

    @Test
    void aFileReplacedUnderTheRunIsNoticedAtTheNextWrite() throws IOException {
        Path path = dir.resolve("out.jsonl");
        try (ChunkedFile file = ChunkedFile.create(path, "")) {
            file.write("{\"id\":1}\n");
            file.committed();
            Path other = Files.writeString(dir.resolve("other.jsonl"), "{\"id\":1}\n{\"id\":2}\n");
            Files.move(other, path, StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> file.write(""))
                    .isInstanceOf(OutputFileException.class)
                    .hasMessage(path + " was replaced by another file while this run was writing it: the answers "
                            + "committed to it are lost")
                    .matches(e -> ((OutputFileException) e).lost());
        }
        assertThat(Files.readString(path)).isEqualTo("{\"id\":1}\n{\"id\":2}\n");
    }

    @Test
    void aFileCutShortUnderTheRunIsNoticedAtTheNextWrite() throws IOException {
        Path path = dir.resolve("out.jsonl");
        try (ChunkedFile file = ChunkedFile.create(path, "")) {
            file.write("{\"id\":1}\n");
            file.committed();
            try (FileChannel other = FileChannel.open(path, StandardOpenOption.WRITE)) {
                other.truncate(3);
            }

            assertThatThrownBy(() -> file.write("{\"id\":2}\n"))
                    .isInstanceOf(OutputFileException.class)
                    .hasMessage(path + " was cut short while this run was writing it: the answers committed to it "
                            + "are lost");
        }
    }

    @Test
    void resumingAFileShorterThanItsCommittedLengthIsRefused() throws IOException {
        Path path = Files.writeString(dir.resolve("out.jsonl"), "{\"id\":1}\n");

        assertThatThrownBy(() -> ChunkedFile.resume(path, 18, ""))
                .isInstanceOf(OutputFileException.class)
                .hasMessage(path + " is 9 bytes, shorter than the 18 bytes committed to it: the answers in it are "
                        + "lost");
        assertThatThrownBy(() -> ChunkedFile.resume(dir.resolve("gone.jsonl"), 18, ""))
                .hasMessage(dir.resolve("gone.jsonl") + " is gone: the answers in it are lost");
    }
}
