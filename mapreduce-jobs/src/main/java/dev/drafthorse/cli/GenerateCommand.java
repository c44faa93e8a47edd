package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.generate.GenerationOptions;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.Options;

/** {@code generate}: text from a prompt, streamed to stdout, or one JSON object with {@code --json}. */
final class GenerateCommand implements Command {
    static final String USAGE = "drafthorse generate -m MODEL.gguf -p PROMPT [-n N] [--temperature T] [--top-k K] [--top-p P]"
            + " [--min-p P] [--seed S] [--threads T] [--stop STR]... [--kv-type f32|f16] [--json]"
            + " [--draft DRAFT.gguf | --lookup [--lookup-ngram N]] [--draft-max K]";

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate text from a prompt (greedy by default)";
    }

    static void addSamplingOptions(Options o) {
        o.addOption(Args.opt(null, "temperature", "T", "0 = greedy (default), else sample at this temperature"));
        o.addOption(Args.opt(null, "top-k", "K", "keep the K most likely tokens (0 = off, default)"));
        o.addOption(Args.opt(null, "top-p", "P", "nucleus sampling mass in (0, 1] (default 1 = off)"));
        o.addOption(Args.opt(null, "min-p", "P", "drop tokens below P x the top probability, in [0, 1) (default 0)"));
        o.addOption(Args.opt(null, "seed", "S", "random seed (default 0): same seed, same tokens"));
    }

    static void addSpeculationOptions(Options o) {
        o.addOption(Args.opt(null, "draft", "DRAFT.gguf", "speculative decoding with this draft model (same vocabulary)"));
        o.addOption(Args.flag("lookup", "speculative decoding by n-gram lookup in the prompt and output (no second model)"));
        o.addOption(Args.opt(null, "lookup-ngram", "N", "longest suffix matched by --lookup (default 3)"));
        o.addOption(Args.opt(null, "draft-max", "K", "longest draft; the adaptive length stays at or below it (default 8)"));
    }

    /** The speculation the options ask for. */
    static Speculation speculation(Args a) {
        if (a.has("draft") && a.has("lookup")) {
            throw new UsageException("--draft and --lookup are exclusive");
        }
        int k = a.getInt("draft-max", 8, 1, 64);
        if (a.has("draft")) {
            return Speculation.draft(k);
        }
        if (a.has("lookup")) {
            return Speculation.lookup(k, a.getInt("lookup-ngram", 3, 1, 16));
        }
        return Speculation.NONE;
    }

    static Model draftModel(Args a, Parallel par) throws java.io.IOException {
        return a.has("draft") ? Model.load(ModelArgs.localPath(a.require("draft")), par) : null;
    }

    static SamplerOptions sampler(Args a) {
        return new SamplerOptions(a.getFloat("temperature", 0f), a.getInt("top-k", 0, 0, Integer.MAX_VALUE),
                a.getFloat("top-p", 1f), a.getFloat("min-p", 0f), a.getLong("seed", 0L));
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt("p", "prompt", "TEXT", "the prompt; \"\" means BOS only"));
        o.addOption(Args.opt("n", "max-tokens", "N", "tokens to generate at most (default 128)"));
        addSamplingOptions(o);
        o.addOption(Args.opt(null, "stop", "STR", "stop when this string appears (repeatable)"));
        o.addOption(Args.opt(null, "kv-type", "f32|f16", "KV cache element type (default f32)"));
        o.addOption(Args.opt("c", "ctx-size", "N", "context window in tokens, prompt included (default: prompt + -n)"));
        o.addOption(Args.flag("json", "print one JSON object: text, tokens, stats"));
        addSpeculationOptions(o);
        Args a = Args.parse(USAGE, "Generates text after the prompt and prints it (not the prompt) to stdout.", o, args);
        if (a == null) {
            return 0;
        }
        String prompt = a.require("prompt");
        String[] stops = a.line().getOptionValues("stop");
        GenerationOptions options = new GenerationOptions(a.getInt("max-tokens", 128, 0, Integer.MAX_VALUE), sampler(a),
                stops == null ? List.of() : Arrays.asList(stops), KvType.parse("--kv-type", a.get("kv-type", "f32")), 256,
                a.getInt("ctx-size", 0, 0, Integer.MAX_VALUE));
        boolean json = a.has("json");
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            Generator g = new Generator(model, draftModel(a, par), speculation(a));
            int[] ids = g.promptTokens(prompt);
            int ctx = options.contextSize() > 0 ? options.contextSize() : ids.length + options.maxNewTokens();
            if (ctx > model.config().contextLength()) {
                System.err.printf("drafthorse generate: warning: %d positions exceed the model's trained context of %d%n", ctx,
                        model.config().contextLength());
            }
            PrintStream out = System.out;
            GenerationResult r = g.generate(ids, options, new Rng(options.sampler().seed()),
                    json ? s -> { } : s -> {
                        out.print(s);
                        out.flush();
                    });
            if (json) {
                ObjectMapper m = new ObjectMapper();
                ObjectNode n = m.createObjectNode();
                n.put("text", r.text());
                n.set("tokens", m.valueToTree(r.tokens()));
                n.put("finish_reason", r.finish().label());
                ObjectNode stats = n.putObject("stats");
                stats.put("prompt_tokens", r.promptTokens());
                stats.put("generated_tokens", r.tokens().length);
                stats.put("prefill_tok_s", round(r.prefillTokensPerSecond()));
                stats.put("decode_tok_s", round(r.decodeTokensPerSecond()));
                if (speculation(a).enabled()) {
                    stats.put("draft_proposed", r.draftProposed());
                    stats.put("draft_accepted", r.draftAccepted());
                    stats.put("target_passes", r.targetPasses());
                }
                out.println(m.writeValueAsString(n));
            } else {
                out.println();
            }
            System.err.printf("drafthorse generate: %d prompt tokens, %d generated (%s), prefill %.1f tok/s, decode %.1f tok/s%s%n",
                    r.promptTokens(), r.tokens().length, r.finish().label(), r.prefillTokensPerSecond(), r.decodeTokensPerSecond(),
                    r.draftProposed() > 0 ? String.format(", drafted %d accepted %d in %d target passes", r.draftProposed(),
                            r.draftAccepted(), r.targetPasses()) : "");
        }
        return 0;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
