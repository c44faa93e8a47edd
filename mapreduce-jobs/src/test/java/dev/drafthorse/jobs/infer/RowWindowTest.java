package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.rows.Prompts;
import dev.drafthorse.rows.Row;
import dev.drafthorse.rows.RowDefaults;
import dev.drafthorse.rows.RowMode;
import dev.drafthorse.rows.RowParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A row's context window in the {@code infer} job and the {@code batch} command: the prompt plus the row's generation
 * limit when that is shorter than the context (the engine sizes the row's KV cache by it), else the context.
 */
class RowWindowTest {
    private static Row row(int maxNewTokens, String json) throws Exception {
        RowParser p = new RowParser(
                RowMode.GENERATE, new RowDefaults(maxNewTokens, SamplerOptions.GREEDY, List.of(), List.of()));
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return p.json(b, 0, b.length);
    }

    @Test
    void windowIsPromptPlusLimitOrTheContext() throws Exception {
        Model model = Reference.load(Reference.model());
        int ctx = model.config().contextLength();
        Request shortRow =
                Prompts.request(row(8, "{\"id\": \"a\", \"prompt\": \"Once upon a time\"}"), model, ctx, 128);
        assertEquals(shortRow.prompt().length + 8, shortRow.options().contextSize());
        Request longRow = Prompts.request(
                row(8, "{\"id\": \"b\", \"prompt\": \"Once upon a time\", \"max_new_tokens\": 100000}"),
                model,
                ctx,
                128);
        assertEquals(ctx, longRow.options().contextSize());
    }
}
