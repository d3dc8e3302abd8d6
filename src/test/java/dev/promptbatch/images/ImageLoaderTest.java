package dev.promptbatch.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import dev.promptbatch.spec.JobSpec;

/** A record's image fields as Ollama takes them: files read and encoded, base64 passed on, problems named. */
class ImageLoaderTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX = 1024;

    @TempDir
    Path dir;

    @Test
    void aFilePathRelativeToTheWorkingDirectoryIsReadAndSentAsPaddedBase64() throws IOException {
        byte[] png = bytes(100, 7);
        Files.createDirectories(dir.resolve("photos"));
        Files.write(dir.resolve("photos/mug.png"), png);

        assertThat(loader("photo").load(record("photo", "photos/mug.png")))
                .containsExactly(Base64.getEncoder().encodeToString(png));
        assertThat(Base64.getEncoder().encodeToString(png)).endsWith("=");
    }

    @Test
    void anAbsolutePathIsReadAsItIs() throws IOException {
        byte[] png = bytes(60, 3);
        Path file = Files.write(dir.resolve("abs.png"), png);

        assertThat(loader("photo").load(record("photo", file.toString())))
                .containsExactly(Base64.getEncoder().encodeToString(png));
    }

    @Test
    void base64TextIsSentAsItIs() {
        String base64 = Base64.getEncoder().encodeToString(bytes(200, 11));

        assertThat(loader("photo").load(record("photo", base64))).containsExactly(base64);
    }

    @Test
    void severalFieldsGiveTheirImagesInTheOrderOfTheSpecAndEmptyFieldsNone() throws IOException {
        Files.write(dir.resolve("front.png"), bytes(50, 1));
        Files.write(dir.resolve("back.png"), bytes(50, 2));
        ObjectNode fields = JSON.createObjectNode()
                .put("front", "front.png")
                .put("side", "")
                .put("back", "back.png")
                .putNull("top");

        assertThat(loader("back", "side", "front", "top", "bottom").load(fields))
                .containsExactly(
                        Base64.getEncoder().encodeToString(bytes(50, 2)),
                        Base64.getEncoder().encodeToString(bytes(50, 1)));
        assertThat(loader("side").load(fields)).isEmpty();
    }

    @Test
    void aMissingFileIsNamedWithItsField() {
        assertThatThrownBy(() -> loader("photo").load(record("photo", "photos/gone.jpg")))
                .isInstanceOf(ImageException.class)
                .hasMessage("field 'photo': image file photos/gone.jpg does not exist");
    }

    @Test
    void shortTextThatHappensToBeBase64IsAPathNotAnImage() {
        assertThatThrownBy(() -> loader("photo").load(record("photo", "cat1")))
                .isInstanceOf(ImageException.class)
                .hasMessage("field 'photo': image file cat1 does not exist");
    }

    @Test
    void anExistingFileWinsOverTheSameTextReadAsBase64() throws IOException {
        String name = "A".repeat(64);
        Files.write(dir.resolve(name), bytes(10, 5));

        assertThat(loader("photo").load(record("photo", name)))
                .containsExactly(Base64.getEncoder().encodeToString(bytes(10, 5)));
    }

    @Test
    void aFileOverMaxImageSizeIsNamedWithItsSize() throws IOException {
        Files.write(dir.resolve("big.png"), bytes((int) MAX + 1, 9));
        Files.write(dir.resolve("limit.png"), bytes((int) MAX, 9));

        assertThatThrownBy(() -> loader("photo").load(record("photo", "big.png")))
                .isInstanceOf(ImageException.class)
                .hasMessage("field 'photo': image file big.png is 1025 bytes, more than max-image-size (1024 bytes)");
        assertThat(loader("photo").load(record("photo", "limit.png"))).hasSize(1);
    }

    @Test
    void base64OverMaxImageSizeIsRefusedToo() {
        String base64 = Base64.getEncoder().encodeToString(bytes((int) MAX + 2, 4));

        assertThatThrownBy(() -> loader("photo").load(record("photo", base64)))
                .isInstanceOf(ImageException.class)
                .hasMessage(
                        "field 'photo': the base64 image in it is 1026 bytes, more than max-image-size (1024 bytes)");
    }

    @Test
    void aPathThatCannotBeReadAsAFileIsNamed() throws IOException {
        Files.createDirectories(dir.resolve("photos/album"));

        assertThatThrownBy(() -> loader("photo").load(record("photo", "photos/album")))
                .isInstanceOf(ImageException.class)
                .hasMessage("field 'photo': image file photos/album is not a file");
    }

    @Test
    void aFieldThatHoldsNoTextIsNamed() {
        ObjectNode fields = JSON.createObjectNode().put("photo", 12);

        assertThatThrownBy(() -> loader("photo").load(fields))
                .isInstanceOf(ImageException.class)
                .hasMessage("field 'photo' holds a number, not an image file path or base64 text");
    }

    @Test
    void theFilesDigestChangesWithAFilesContentAndSkipsWhatCannotBeRead() throws IOException {
        Files.write(dir.resolve("a.png"), bytes(50, 1));
        ObjectNode fields = JSON.createObjectNode()
                .put("photo", "a.png")
                .put("missing", "gone.png")
                .put("inline", Base64.getEncoder().encodeToString(bytes(80, 2)));
        ImageLoader loader = loader("photo", "missing", "inline");
        String before = digest(loader, fields);

        assertThat(digest(loader, fields)).isEqualTo(before);
        Files.write(dir.resolve("a.png"), bytes(50, 3));
        assertThat(digest(loader, fields)).isNotEqualTo(before);
    }

    private static String digest(ImageLoader loader, ObjectNode fields) {
        MessageDigest digest = ImageLoader.sha256();
        loader.digestFiles(fields, digest);
        return HexFormat.of().formatHex(digest.digest());
    }

    private ImageLoader loader(String... fields) {
        return new ImageLoader(new JobSpec.Images(List.of(fields), MAX, dir));
    }

    private static ObjectNode record(String field, String value) {
        return JSON.createObjectNode().put(field, value);
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }
}
