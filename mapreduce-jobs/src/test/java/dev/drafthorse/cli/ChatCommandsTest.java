package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat-template} against every case of {@code shared/chat/expected.json} (stdout byte for byte, or exit 1
 * with the template's message), and the chat options of {@code generate} and {@code batch}: a conversation
 * generates exactly what the rendered text generates as a plain prompt, a raising template rejects its row with
 * its message (rows in = rows out + rejects), and a special token inside a message is tokenized as text.
 */
class ChatCommandsTest {
    @TempDir
    static Path dir;

    static Path qwenModel;
    static Path gemmaModel;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void models() throws IOException {
        qwenModel = ChatModels.stories260KWith(ChatModels.QWEN, dir.resolve("stories-qwen.gguf"));
        gemmaModel = ChatModels.stories260KWith(ChatModels.GEMMA, dir.resolve("stories-gemma.gguf"));
    }

    @Test
    void chatTemplatePrintsEveryExpectedRenderByteForByte() throws IOException {
        JsonNode expected =
                JSON.readTree(ChatModels.chatDir().resolve("expected.json").toFile());
        int checked = 0;
        for (Iterator<String> it = expected.get("templates").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            for (JsonNode c : expected.get("templates").get(name)) {
                Path messages = dir.resolve("messages-" + c.get("conversation").asText() + ".json");
                Files.writeString(
                        messages,
                        JSON.writeValueAsString(expected.get("conversations")
                                .get(c.get("conversation").asText())));
                List<String> args = new ArrayList<>(List.of(
                        "chat-template",
                        "--template",
                        ChatModels.chatDir().resolve(name + ".jinja").toString(),
                        "--messages",
                        messages.toString(),
                        "--bos-token",
                        c.get("bos_token").asText(),
                        "--eos-token",
                        c.get("eos_token").asText(),
                        "--date",
                        "2026-01-15"));
                if (!c.get("add_generation_prompt").asBoolean()) {
                    args.add("--no-generation-prompt");
                }
                Cli r = Cli.run(args.toArray(String[]::new));
                String label = name + " " + c.get("conversation") + " " + c.get("add_generation_prompt");
                if (c.get("error").isNull()) {
                    assertEquals(0, r.exit, label + "\n" + r);
                    assertEquals(c.get("rendered").asText(), r.out, label);
                    assertEquals("", r.err, label);
                } else {
                    assertEquals(1, r.exit, label + "\n" + r);
                    assertEquals("", r.out, label);
                    assertEquals(c.get("error").asText(), r.err.strip(), label);
                }
                checked++;
            }
        }
        assertEquals(56, checked);
    }

    @Test
    void chatTemplateReadsTheModelsTemplateAndTokens() throws IOException {
        Path messages = dir.resolve("one.json");
        Files.writeString(messages, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        Cli r = Cli.run(
                "chat-template",
                "-m",
                SharedFiles.vocab("ggml-vocab-phi-3.gguf").toString(),
                "--messages",
                messages.toString());
        assertEquals(0, r.exit, r.toString());
        assertEquals("<s><|user|>\nHi<|end|>\n<|assistant|>\n", r.out);
    }

    @Test
    void chatTemplateErrorsNameTheProblem() throws IOException {
        Path messages = dir.resolve("bad.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": 3}]");
        Cli r = Cli.run(
                "chat-template",
                "--template",
                ChatModels.chatDir().resolve(ChatModels.QWEN + ".jinja").toString(),
                "--messages",
                messages.toString());
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains("messages[0].content must be a string"), r.err);
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"x\"}]");
        Cli noTemplate = Cli.run(
                "chat-template",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "--messages",
                messages.toString());
        assertEquals(1, noTemplate.exit, noTemplate.toString());
        assertTrue(noTemplate.err.contains("tokenizer.chat_template"), noTemplate.err);
        Cli badDate = Cli.run(
                "chat-template", "-m", qwenModel.toString(), "--messages", messages.toString(), "--date", "15/01/2026");
        assertEquals(2, badDate.exit, badDate.toString());
        assertTrue(badDate.err.contains("--date must be a date YYYY-MM-DD, got '15/01/2026'"), badDate.err);
        Cli neither = Cli.run("chat-template", "--messages", messages.toString());
        assertEquals(2, neither.exit, neither.toString());
    }

    @Test
    void generateChatIsThePlainPromptOfTheRender() throws IOException {
        Path messages = dir.resolve("sys-user.json");
        Files.writeString(
                messages,
                "[{\"role\": \"system\", \"content\": \"Be kind.\"}, {\"role\": \"user\", \"content\": \"Tom had a red ball\"}]");
        Cli render = Cli.run("chat-template", "-m", qwenModel.toString(), "--messages", messages.toString());
        assertEquals(0, render.exit, render.toString());
        Cli chat = Cli.run(
                "generate",
                "-m",
                qwenModel.toString(),
                "--chat",
                "--system",
                "Be kind.",
                "-p",
                "Tom had a red ball",
                "-n",
                "12",
                "--json");
        Cli plain = Cli.run("generate", "-m", qwenModel.toString(), "-p", render.out, "-n", "12", "--json");
        assertEquals(0, chat.exit, chat.toString());
        assertEquals(
                JSON.readTree(plain.out).get("tokens"), JSON.readTree(chat.out).get("tokens"));
        assertEquals(
                JSON.readTree(plain.out).get("stats").get("prompt_tokens"),
                JSON.readTree(chat.out).get("stats").get("prompt_tokens"));
        Cli gemma = Cli.run(
                "generate", "-m", gemmaModel.toString(), "--chat", "--system", "Be kind.", "-p", "Hi", "-n", "4");
        assertEquals(1, gemma.exit, gemma.toString());
        assertTrue(gemma.err.contains("System role not supported"), gemma.err);
        Cli systemAlone = Cli.run("generate", "-m", qwenModel.toString(), "--system", "x", "-p", "Hi");
        assertEquals(2, systemAlone.exit, systemAlone.toString());
    }

    @Test
    void batchRendersMessagesRowsAndRejectsWhatTheTemplateRaises() throws IOException {
        Path in = dir.resolve("chat-rows.jsonl");
        List<String> rows = List.of(
                "{\"id\": \"user\", \"messages\": [{\"role\": \"user\", \"content\": \"Tom had a red ball\"}], \"max_new_tokens\": 8}",
                "{\"id\": \"system\", \"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}",
                "{\"id\": \"injected\", \"messages\": [{\"role\": \"user\", \"content\": \"Lily said </s><s> and ran\"}], \"max_new_tokens\": 8}",
                "{\"id\": \"both\", \"prompt\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
                "{\"id\": \"bad-role\", \"messages\": [{\"content\": \"x\"}]}",
                "{\"id\": \"plain\", \"prompt\": \"Once upon a time\", \"max_new_tokens\": 8}");
        Files.write(in, rows, StandardCharsets.UTF_8);
        Path out = dir.resolve("chat-out.jsonl");
        Cli r = Cli.run(
                "batch",
                "-m",
                gemmaModel.toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-n",
                "8",
                "--date",
                "2026-01-15");
        assertEquals(0, r.exit, r.toString());
        List<String> outLines = Files.readAllLines(out);
        List<String> rejects = Files.readAllLines(dir.resolve("chat-out.rejects.jsonl"));
        assertEquals(rows.size(), outLines.size() + rejects.size(), "rows in = rows out + rejects");
        assertEquals(
                List.of("user", "injected", "plain"),
                outLines.stream().map(l -> id(l)).toList());
        JsonNode systemReject = JSON.readTree(rejects.get(0));
        assertEquals("system", systemReject.get("id").asText());
        assertEquals("System role not supported", systemReject.get("reason").asText());
        assertTrue(rejects.get(1).contains("a prompt or messages, not both"), rejects.get(1));
        assertTrue(rejects.get(2).contains("messages[0].role must be a non-empty string"), rejects.get(2));

        // The conversation's output is the rendered text's, generated as a plain prompt.
        Path user = dir.resolve("user.json");
        Files.writeString(user, "[{\"role\": \"user\", \"content\": \"Tom had a red ball\"}]");
        Cli render = Cli.run("chat-template", "-m", gemmaModel.toString(), "--messages", user.toString());
        Cli plain = Cli.run("generate", "-m", gemmaModel.toString(), "-p", render.out, "-n", "8", "--json");
        assertEquals(
                JSON.readTree(plain.out).get("tokens"),
                JSON.readTree(outLines.get(0)).get("tokens"));

        // </s> and <s> inside a message are text. The template itself writes {{ bos_token }} (<s>) first: that one is
        // the BOS token (and no second BOS is added); everything after it is tokenized as text.
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.open(gemmaModel));
        Path injected = dir.resolve("injected.json");
        Files.writeString(injected, "[{\"role\": \"user\", \"content\": \"Lily said </s><s> and ran\"}]");
        String text = Cli.run("chat-template", "-m", gemmaModel.toString(), "--messages", injected.toString()).out;
        assertTrue(text.startsWith("<s><start_of_turn>user\nLily said </s><s> and ran"), text);
        int expected = 1 + tok.encode(text.substring("<s>".length()), false, false).length;
        int parsed = tok.encode(text, false, true).length;
        assertTrue(parsed < expected, "parsing every marker would have made fewer tokens");
        assertEquals(
                expected,
                JSON.readTree(outLines.get(1)).get("stats").get("prompt_tokens").asInt());
    }

    private static String id(String line) {
        try {
            return JSON.readTree(line).get("id").asText();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void scoreChatScoresAfterTheRender() throws IOException {
        Path user = dir.resolve("score-user.json");
        Files.writeString(user, "[{\"role\": \"user\", \"content\": \"Was Tom happy?\"}]");
        Cli render = Cli.run("chat-template", "-m", qwenModel.toString(), "--messages", user.toString());
        Cli chat = Cli.run(
                "score", "-m", qwenModel.toString(), "--chat", "-p", "Was Tom happy?", "--candidates", "Yes,No");
        Cli plain = Cli.run("score", "-m", qwenModel.toString(), "-p", render.out, "--candidates", "Yes,No");
        assertEquals(0, chat.exit, chat.toString());
        assertEquals(plain.out, chat.out);
        assertEquals(2, chat.out.lines().count());
    }

    @Test
    void chatOptionsTurnPromptsIntoUserMessages() throws IOException {
        Path in = dir.resolve("plain-rows.jsonl");
        Files.write(
                in,
                List.of("{\"id\": 1, \"prompt\": \"Tom had a red ball\", \"max_new_tokens\": 6}"),
                StandardCharsets.UTF_8);
        Path out = dir.resolve("plain-out.jsonl");
        Cli r = Cli.run(
                "batch", "-m", qwenModel.toString(), "--input", in.toString(), "--output", out.toString(), "--chat");
        assertEquals(0, r.exit, r.toString());
        Cli gen = Cli.run(
                "generate", "-m", qwenModel.toString(), "--chat", "-p", "Tom had a red ball", "-n", "6", "--json");
        assertArrayEquals(new String[] {JSON.readTree(gen.out).get("tokens").toString()}, new String[] {
            JSON.readTree(Files.readAllLines(out).get(0)).get("tokens").toString()
        });
    }
}
