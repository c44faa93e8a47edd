package dev.drafthorse.kernels.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.KQuantFiles;
import dev.drafthorse.kernels.MiniJson;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.tensor.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quantizations model hubs ship, against llama.cpp's greedy tokens (CONTRACTS.md): our ids equal one of
 * llama.cpp's two runs ({@code default}: flash attention and F16 KV; {@code f32kv_nofa}: F32 attention) at
 * least up to the first step whose margin (top-1 minus top-2 logit) is below 0.02, where float rounding may
 * pick either token. Each case prints how far the ids agree with each run.
 *
 * <p>Q4_K_M and Q5_K_M are the files of ../shared/models/kquant; the other types are made here by
 * llama-quantize ({@link KQuantFiles}) and compared with src/test/resources/kquant/TYPE.reference.json.
 */
class KQuantReferenceTest {
    /** Margins below this may flip with float rounding. */
    private static final double NEAR_TIE = 0.02;

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K_M", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K"})
    void greedyFollowsLlamaCpp(String type) throws Exception {
        Object ref = KQuantFiles.reference(type);
        try (Parallel par = new Parallel(2)) {
            Model m = Model.load(KQuantFiles.model(type), par);
            Generator g = new Generator(m);
            for (String run : new String[] {"bos200", "once100"}) {
                String prompt = (String) MiniJson.at(ref, "runs", run, "default", "prompt");
                int[] expectedPrompt = MiniJson.ints(ref, "runs", run, "default", "prompt_tokens");
                assertArrayEquals(expectedPrompt, g.promptTokens(prompt), type + " " + run + ": prompt tokens");
                int n = MiniJson.ints(ref, "runs", run, "default", "generated_tokens").length;
                int[] ours = g.generate(prompt, GenerationOptions.greedy(n), new Rng(0))
                        .tokens();
                StringBuilder report = new StringBuilder(type + " " + run + ":");
                boolean ok = false;
                for (String engine : new String[] {"default", "f32kv_nofa"}) {
                    int[] theirs = MiniJson.ints(ref, "runs", run, engine, "generated_tokens");
                    double[] margins = MiniJson.doubles(ref, "runs", run, engine, "gen_margins");
                    int agree = 0;
                    while (agree < Math.min(ours.length, theirs.length) && ours[agree] == theirs[agree]) {
                        agree++;
                    }
                    int need = 0;
                    while (need < margins.length && margins[need] >= NEAR_TIE) {
                        need++;
                    }
                    need = Math.min(need, theirs.length);
                    ok |= agree >= need;
                    report.append(String.format(
                            " %s %d/%d equal (first margin < %.2f at step %d);",
                            engine, agree, theirs.length, NEAR_TIE, need));
                }
                System.err.println(report);
                assertTrue(ok, report.toString());
            }
        }
    }
}
