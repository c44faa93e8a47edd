package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.chat.ChatPrompts;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Rendered;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.Options;

/** {@code score}: the total log-probability of each candidate continuation after a prompt. */
final class ScoreCommand implements Command {
    static final String USAGE = "drafthorse score -m MODEL.gguf -p PROMPT --candidates A,B,... [--threads T] [--json]"
            + " [--chat [--system TEXT] [--date YYYY-MM-DD]]";

    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "log-probability of candidate continuations after a prompt";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt("p", "prompt", "TEXT", "the prompt"));
        o.addOption(Args.opt(
                "c", "candidates", "A,B,...", "comma-separated continuations, scored as written after the prompt"));
        o.addOption(Args.flag("json", "one JSON object per candidate: candidate, logprob, tokens"));
        ChatArgs.add(
                o,
                "the prompt becomes one user message rendered by the model's chat template; the candidates follow"
                        + " the assistant header");
        Args a = Args.parse(
                USAGE,
                "Prints one line per candidate: the candidate, a tab, its total natural-log probability.",
                o,
                args);
        if (a == null) {
            return 0;
        }
        String prompt = a.require("prompt");
        List<String> candidates = Arrays.asList(a.require("candidates").split(",", -1));
        for (String c : candidates) {
            if (c.isEmpty()) {
                throw new UsageException("--candidates holds an empty candidate");
            }
        }
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            List<Scorer.Score> scores;
            if (ChatArgs.chat(a)) {
                ChatPrompts chat = ChatPrompts.forModel(model.file(), model.tokenizer(), ChatArgs.date(a));
                Rendered r = chat.render(ChatTemplate.userTurn(a.get("system", null), prompt));
                List<int[]> wholes =
                        candidates.stream().map(c -> chat.tokens(r.plusData(c))).toList();
                scores = new Scorer(model).scoreTree(chat.tokens(r), wholes);
            } else {
                scores = new Scorer(model).score(prompt, candidates);
            }
            ObjectMapper m = new ObjectMapper();
            for (int i = 0; i < candidates.size(); i++) {
                Scorer.Score s = scores.get(i);
                if (a.has("json")) {
                    ObjectNode n = m.createObjectNode();
                    n.put("candidate", candidates.get(i));
                    n.put("logprob", s.logprob());
                    n.set("tokens", m.valueToTree(s.tokens()));
                    System.out.println(m.writeValueAsString(n));
                } else {
                    System.out.println(candidates.get(i) + "\t" + s.logprob());
                }
            }
        }
        return 0;
    }
}
