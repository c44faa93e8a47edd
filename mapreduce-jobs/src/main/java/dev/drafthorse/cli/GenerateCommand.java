package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.grammar.GrammarConstraint;
import dev.drafthorse.kernels.grammar.JsonSchemaGrammar;
import dev.drafthorse.kernels.heads.Heads;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.heads.MedusaHeads;
import dev.drafthorse.kernels.heads.MtpModules;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.speculative.TreeSpec;
import dev.drafthorse.kernels.speculative.TypicalAcceptance;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.Options;

/** {@code generate}: text from a prompt, streamed to stdout, or one JSON object with {@code --json}. */
final class GenerateCommand implements Command {
    static final String USAGE =
            "drafthorse generate -m MODEL.gguf -p PROMPT [-n N] [--temperature T] [--top-k K] [--top-p P]"
                    + " [--min-p P] [--seed S] [--threads T] [--stop STR]... [--kv-type f32|f16] [--json]"
                    + " [--draft DRAFT.gguf | --lookup [--lookup-ngram N] | --medusa HEADS.gguf [--tree SPEC] [--typical EPS,DELTA]"
                    + " | --mtp HEADS.gguf] [--draft-max K] [--chat [--system TEXT] [--template FILE.jinja] [--date YYYY-MM-DD]]"
                    + " [--grammar FILE.gbnf | --json-schema FILE.json]";

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

    static void addGrammarOptions(Options o, String scope) {
        o.addOption(Args.opt(
                null,
                "grammar",
                "FILE.gbnf",
                scope + " follows this GBNF grammar (llama.cpp's format; only tokens that"
                        + " keep the text inside it are sampled, end of text only where it may end)"));
        o.addOption(Args.opt(
                null,
                "json-schema",
                "FILE.json",
                scope + " is JSON valid for this schema (converted to a grammar as"
                        + " llama.cpp's json-schema-to-grammar does)"));
    }

    /** The grammar --grammar or --json-schema names, or null; a malformed one is refused with its line:column. */
    static Grammar grammar(Args a) throws java.io.IOException {
        if (a.has("grammar") && a.has("json-schema")) {
            throw new UsageException("--grammar and --json-schema are exclusive");
        }
        if (a.has("grammar")) {
            String f = a.require("grammar");
            return Grammar.parse(java.nio.file.Files.readString(ModelArgs.localPath(f)), f);
        }
        if (a.has("json-schema")) {
            String f = a.require("json-schema");
            return JsonSchemaGrammar.compile(java.nio.file.Files.readString(ModelArgs.localPath(f)), f);
        }
        return null;
    }

    static void addSpeculationOptions(Options o) {
        o.addOption(
                Args.opt(null, "draft", "DRAFT.gguf", "speculative decoding with this draft model (same vocabulary)"));
        o.addOption(Args.flag(
                "lookup", "speculative decoding by n-gram lookup in the prompt and output (no second model)"));
        o.addOption(Args.opt(null, "lookup-ngram", "N", "longest suffix matched by --lookup (default 3)"));
        o.addOption(Args.opt(
                null,
                "draft-max",
                "K",
                "longest draft; the adaptive length stays at or below it (default 8;"
                        + " with --mtp: the modules used, default "
                        + Speculation.DEFAULT_MTP_DEPTH
                        + ")"));
        o.addOption(Args.opt(
                null,
                "medusa",
                "HEADS.gguf",
                "speculative decoding with Medusa heads made for this model (a tree of"
                        + " candidates verified in one pass)"));
        o.addOption(Args.opt(
                null,
                "tree",
                "SPEC",
                "--medusa candidate tree: widths per depth like 3,2,1, paths like [[0],[1],[0,0]], or"
                        + " mc_sim_7b_63 (Medusa's 63-node GPU tree); default "
                        + Speculation.DEFAULT_MEDUSA_TREE
                        + ", cut to the heads' count (what pays on a CPU)"));
        o.addOption(Args.opt(
                null,
                "typical",
                "EPS,DELTA",
                "--medusa when sampling: accept candidates with p > min(EPS, DELTA*exp(-H))"
                        + " (default 0.09,0.3); typical acceptance is faster and NOT distribution-preserving"
                        + " (greedy stays exact)"));
        o.addOption(Args.opt(
                null,
                "mtp",
                "HEADS.gguf",
                "speculative decoding with multi-token-prediction modules made for this"
                        + " model (greedy exact; sampling exact by speculative sampling)"));
    }

    /** The Medusa heads or MTP modules the options name, loaded for {@code model} (refused if made for another), or null. */
    static Heads heads(Args a, Model model) throws java.io.IOException {
        if (a.has("medusa")) {
            return HeadsFile.loadMedusa(ModelArgs.localPath(a.require("medusa")), model);
        }
        if (a.has("mtp")) {
            return HeadsFile.loadMtp(ModelArgs.localPath(a.require("mtp")), model);
        }
        return null;
    }

    /** The speculation the options ask for (without heads options). */
    static Speculation speculation(Args a) {
        return speculation(a, null);
    }

    /** The speculation the options ask for; {@code heads} are those {@link #heads} loaded. */
    static Speculation speculation(Args a, Heads heads) {
        int modes = 0;
        for (String m : new String[] {"draft", "lookup", "medusa", "mtp"}) {
            modes += a.has(m) ? 1 : 0;
        }
        if (modes > 1) {
            throw new UsageException("--draft, --lookup, --medusa and --mtp are exclusive");
        }
        if ((a.has("medusa") || a.has("mtp")) && heads == null) {
            throw new IllegalStateException("heads options need the heads loaded (GenerateCommand.heads)");
        }
        if (!a.has("medusa") && (a.has("tree") || a.has("typical"))) {
            throw new UsageException("--tree and --typical go with --medusa");
        }
        if (heads instanceof MedusaHeads m) {
            TreeSpec tree;
            if (a.has("tree")) {
                try {
                    tree = TreeSpec.parse(a.require("tree"));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--tree: " + e.getMessage());
                }
                if (tree.depth() > m.count()) {
                    throw new UsageException("--tree " + tree + " needs " + tree.depth() + " heads; "
                            + m.header().path() + " has " + m.count());
                }
            } else {
                tree = Speculation.defaultMedusaTree(m.count());
            }
            TypicalAcceptance typical;
            try {
                typical = a.has("typical") ? TypicalAcceptance.parse(a.require("typical")) : TypicalAcceptance.DEFAULT;
            } catch (IllegalArgumentException e) {
                throw new UsageException("--typical: " + e.getMessage());
            }
            return Speculation.medusa(tree, typical);
        }
        if (heads instanceof MtpModules m) {
            return Speculation.mtp(a.getInt("draft-max", Speculation.defaultMtpDepth(m.count()), 1, m.count()));
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
        return new SamplerOptions(
                a.getFloat("temperature", 0f),
                a.getInt("top-k", 0, 0, Integer.MAX_VALUE),
                a.getFloat("top-p", 1f),
                a.getFloat("min-p", 0f),
                a.getLong("seed", 0L));
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
        addGrammarOptions(o, "the output");
        ChatArgs.add(
                o,
                "the prompt becomes one user message, rendered by the model's chat template with the generation prompt");
        o.addOption(Args.opt(null, "template", "FILE.jinja", "with --chat: this chat template instead of the model's"));
        Args a =
                Args.parse(USAGE, "Generates text after the prompt and prints it (not the prompt) to stdout.", o, args);
        if (a == null) {
            return 0;
        }
        String prompt = a.require("prompt");
        if (a.has("template") && !a.has("chat")) {
            throw new UsageException("--template goes with --chat");
        }
        ChatArgs.chat(a);
        String[] stops = a.line().getOptionValues("stop");
        GenerationOptions options = new GenerationOptions(
                a.getInt("max-tokens", 128, 0, Integer.MAX_VALUE),
                sampler(a),
                stops == null ? List.of() : Arrays.asList(stops),
                KvType.parse("--kv-type", a.get("kv-type", "f32")),
                256,
                a.getInt("ctx-size", 0, 0, Integer.MAX_VALUE));
        boolean json = a.has("json");
        Grammar grammar = grammar(a);
        if (grammar != null && a.has("medusa")) {
            throw new UsageException(
                    "--grammar/--json-schema cannot be combined with --medusa (use --draft, --lookup or --mtp)");
        }
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            Heads heads = heads(a, model);
            Speculation spec = speculation(a, heads);
            if (spec.mode() == Speculation.Mode.MEDUSA && !options.sampler().greedy()) {
                System.err.println("drafthorse generate: note: sampling with --medusa uses typical acceptance "
                        + spec.typical() + ", which is not distribution-preserving");
            }
            Generator g = new Generator(model, draftModel(a, par), spec, heads);
            int[] ids = ChatArgs.chat(a) ? chatTokens(a, model, prompt) : g.promptTokens(prompt);
            int ctx = options.contextSize() > 0
                    ? options.contextSize()
                    : (int) Math.min(
                            Integer.MAX_VALUE, (long) ids.length + options.maxNewTokens()); // no wrap at -n 2^31-1
            if (ctx > model.config().contextLength()) {
                System.err.printf(
                        "drafthorse generate: warning: %d positions exceed the model's trained context of %d%n",
                        ctx, model.config().contextLength());
            }
            PrintStream out = System.out;
            GenerationResult r = g.generate(
                    ids,
                    options,
                    new Rng(options.sampler().seed()),
                    json
                            ? s -> {}
                            : s -> {
                                out.print(s);
                                out.flush();
                            },
                    grammar == null ? null : new GrammarConstraint(grammar, model.tokenizer()));
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
                if (spec.enabled()) {
                    stats.put("draft_proposed", r.draftProposed());
                    stats.put("draft_accepted", r.draftAccepted());
                    stats.put("target_passes", r.targetPasses());
                    stats.put("mean_accepted_length", meanAcceptedLength(r.draftAccepted(), r.targetPasses()));
                }
                out.println(m.writeValueAsString(n));
            } else {
                out.println();
            }
            System.err.printf(
                    "drafthorse generate: %d prompt tokens, %d generated (%s), prefill %.1f tok/s, decode %.1f tok/s%s%n",
                    r.promptTokens(),
                    r.tokens().length,
                    r.finish().label(),
                    r.prefillTokensPerSecond(),
                    r.decodeTokensPerSecond(),
                    r.draftProposed() > 0
                            ? String.format(
                                    ", drafted %d accepted %d in %d target passes",
                                    r.draftProposed(), r.draftAccepted(), r.targetPasses())
                            : "");
        }
        return 0;
    }

    /** The prompt as one user message (after --system) rendered by the chat template; a raising template fails. */
    private static int[] chatTokens(Args a, Model model, String prompt) throws java.io.IOException {
        dev.drafthorse.kernels.chat.ChatTemplate template = a.has("template")
                ? dev.drafthorse.kernels.chat.ChatTemplate.parse(
                        java.nio.file.Files.readString(ModelArgs.localPath(a.require("template"))))
                : dev.drafthorse.kernels.chat.ChatTemplate.fromGguf(model.file());
        dev.drafthorse.kernels.chat.ChatPrompts chat =
                new dev.drafthorse.kernels.chat.ChatPrompts(template, model.tokenizer(), ChatArgs.date(a));
        return chat.tokens(dev.drafthorse.kernels.chat.ChatTemplate.userTurn(a.get("system", null), prompt));
    }

    /**
     * Tokens a verification pass yields on average: its accepted drafts plus the target's own token, so 1
     * when nothing is accepted (rounded to 3 decimals; 0 without passes).
     */
    static double meanAcceptedLength(long accepted, long passes) {
        return passes == 0 ? 0 : Math.round((accepted + passes) * 1000.0 / passes) / 1000.0;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
