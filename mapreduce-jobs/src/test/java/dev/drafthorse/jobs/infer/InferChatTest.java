package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.cli.ChatModels;
import dev.drafthorse.cli.Cli;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} with chat: {@code "messages"} rows and {@code --chat} text rows rendered by the model's template
 * (stories260K carrying Gemma 2's template), each output equal to the engine run on the render tokenized
 * independently, the system-role rows rejected with the template's message, rows in = rows out + rejects; and
 * score mode over conversations.
 */
class InferChatTest {
    @TempDir
    static Path dir;

    static Path model;
    static final LocalDate DATE = LocalDate.of(2026, 1, 15);

    @BeforeAll
    static void model() throws IOException {
        model = ChatModels.stories260KWith(ChatModels.GEMMA, dir.resolve("stories-gemma.gguf"));
    }

    /** The render's ids without the job's code: the template's text parsed with special tokens (no markers in data). */
    private static int[] referenceIds(List<Message> messages) throws IOException {
        Model m = Reference.load(model);
        ChatTemplate t =
                ChatTemplate.parse(Files.readString(ChatModels.chatDir().resolve(ChatModels.GEMMA + ".jinja")));
        String text = t.render(messages, true, "<s>", "</s>", DATE).text();
        assertTrue(text.startsWith("<s>"), "this template writes BOS itself");
        return m.tokenizer().encode(text, false, true);
    }

    @Test
    void messagesAndChatRowsGenerateAsTheirRenders() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Map<String, List<Message>> good = new HashMap<>();
        List<String> json = new ArrayList<>();
        List<String> tsv = new ArrayList<>();
        String[] prompts = {"Tom had a red ball", "Lily saw the sun", "The cat sat"};
        for (int i = 0; i < prompts.length; i++) {
            json.add(
                    "{\"id\": \"m" + i + "\", \"messages\": [{\"role\": \"user\", \"content\": \"" + prompts[i]
                            + "\"}, "
                            + "{\"role\": \"assistant\", \"content\": \"Yes.\"}, {\"role\": \"user\", \"content\": \"More\"}]}");
            good.put(
                    "m" + i,
                    List.of(
                            new Message("user", prompts[i]),
                            new Message("assistant", "Yes."),
                            new Message("user", "More")));
            tsv.add("t" + i + "\t" + prompts[i]);
            good.put("t" + i, List.of(new Message("user", prompts[i])));
        }
        json.add(
                1,
                "{\"id\": \"sys\", \"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}");
        json.add(
                "{\"id\": \"turns\", \"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}");
        Files.write(in.resolve("rows.jsonl"), json, StandardCharsets.UTF_8);
        Files.write(in.resolve("rows.txt"), tsv, StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        Cli r = Cli.run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                model.toString(),
                "-n",
                "10",
                "--chat",
                "--date",
                "2026-01-15",
                "--max-reject-fraction",
                "0.5",
                "--batch",
                "3");
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> rows = OutputReader.json(OutputReader.lines(out));
        List<String> rejects = OutputReader.rejectLines(out);
        assertEquals(json.size() + tsv.size(), rows.size() + rejects.size(), "rows in = rows out + rejects");
        assertEquals(good.size(), rows.size());
        for (JsonNode row : rows) {
            String id = row.get("id").asText();
            Reference.Generated ref =
                    Reference.generate(model, id, referenceIds(good.get(id)), 10, new SamplerOptions(0, 0, 1, 0, 0));
            assertEquals(ref.text(), row.get("text").asText(), id);
        }
        String all = String.join("\n", rejects);
        assertEquals(2, rejects.size(), all);
        assertTrue(all.contains("sys") && all.contains("System role not supported"), all);
        assertTrue(
                all.contains("turns")
                        && all.contains("Conversation roles must alternate user/assistant/user/assistant/..."),
                all);
    }

    @Test
    void scoreModeScoresAfterTheRenderedConversation() throws IOException {
        Path in = dir.resolve("score-in");
        Files.createDirectories(in);
        Files.write(
                in.resolve("rows.jsonl"),
                List.of("{\"id\": \"s1\", \"messages\": [{\"role\": \"user\", \"content\": \"Was Tom happy?\"}]}"),
                StandardCharsets.UTF_8);
        Path out = dir.resolve("score-out");
        Cli r = Cli.run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                model.toString(),
                "--mode",
                "score",
                "--candidates",
                "Yes,No",
                "--date",
                "2026-01-15");
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> rows = OutputReader.json(OutputReader.lines(out));
        List<Message> conv = List.of(new Message("user", "Was Tom happy?"));
        int[] p = referenceIds(conv);
        Model m = Reference.load(model);
        ChatTemplate t =
                ChatTemplate.parse(Files.readString(ChatModels.chatDir().resolve(ChatModels.GEMMA + ".jinja")));
        String text = t.render(conv, true, "<s>", "</s>", DATE).text();
        List<int[]> wholes = List.of(
                m.tokenizer().encode(text + "Yes", false, true), m.tokenizer().encode(text + "No", false, true));
        List<Scorer.Score> ref = new Scorer(m).scoreTree(p, wholes);
        String written = rows.toString();
        for (Scorer.Score s : ref) {
            assertTrue(written.contains(Double.toString(s.logprob())), "logprob " + s.logprob() + " in " + written);
        }
    }

    @Test
    void theDateIsValidatedAndDefaultsToToday() {
        Configuration conf = new Configuration(false);
        conf.set(InferKey.MODEL.key(), "m.gguf");
        assertEquals(
                LocalDate.now(java.time.ZoneOffset.UTC),
                InferSettings.from(conf).date());
        conf.set(InferKey.DATE.key(), "2026-01-15");
        assertEquals(DATE, InferSettings.from(conf).date());
        conf.set(InferKey.DATE.key(), "tomorrow");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferSettings.from(conf));
        assertEquals("drafthorse.infer.date must be a date YYYY-MM-DD, got 'tomorrow'", e.getMessage());
        conf.set(InferKey.DATE.key(), "2026-01-15");
        conf.set(InferKey.SYSTEM.key(), "Be kind.");
        e = assertThrows(IllegalArgumentException.class, () -> InferSettings.from(conf));
        assertTrue(
                e.getMessage().contains("drafthorse.infer.system goes with drafthorse.infer.chat=true"),
                e.getMessage());
    }
}
