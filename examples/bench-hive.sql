-- Hive-side benchmark (BENCHMARKS.md): explode_prompts against Hive's built-in explode on the same rows, and
-- llm_generate inside Hive. Run: scripts/drafthorse hive -f examples/bench-hive.sql  (timings on stderr)
SET hive.fetch.task.conversion=none;
CREATE TABLE base AS SELECT pos AS id, concat('row ', pos) AS title FROM (SELECT posexplode(split(space(199999), ' '))) t;
-- warm-up
SELECT count(*) FROM base b LATERAL VIEW explode(array(concat('Summarize: ', b.title), concat('Title: ', b.title))) e AS prompt;
SELECT count(*) FROM base b LATERAL VIEW explode(array(concat('Summarize: ', b.title), concat('Title: ', b.title))) e AS prompt;
SELECT count(*) FROM base b LATERAL VIEW explode_prompts(array('Summarize: {title}', 'Title: {title}'), named_struct('title', b.title)) p AS template_id, prompt, error;
SELECT count(*) FROM base b LATERAL VIEW explode(array(concat('Summarize: ', b.title), concat('Title: ', b.title))) e AS prompt;
SELECT count(*) FROM base b LATERAL VIEW explode_prompts(array('Summarize: {title}', 'Title: {title}'), named_struct('title', b.title)) p AS template_id, prompt, error;
-- llm_generate: 16 prompts x 64 tokens, greedy, stories260K (compare: the same rows through `drafthorse batch --batch 1`)
CREATE TABLE gen_prompts AS SELECT id, concat('Once upon a time, ', title) AS prompt FROM base WHERE id < 16;
SELECT sum(g.tokens) FROM gen_prompts p LATERAL VIEW llm_generate(p.prompt, '${hiveconf:model}', map('max_new_tokens', '64')) g AS sample_id, text, tokens, finish_reason, error;
