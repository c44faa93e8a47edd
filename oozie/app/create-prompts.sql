-- Step 1 of the chain (the workflow's "prompts" hive2 action; scripts/demo.sh runs the same file in the in-process Hive).
-- Every input row becomes one prompt per template through explode_prompts; each template's prompts land in their own
-- directory of id<TAB>prompt text files, which is what `infer` reads.
-- Parameters (beeline --hivevar, the hive2 action's <param>):
--   DB       the database (created if missing)
--   INPUT    the day's rows: a directory of id<TAB>sentence text files
--   PROMPTS  where the prompts go: PROMPTS/t0 and PROMPTS/t1 (overwritten)
-- The Drafthorse functions must be registered in DB (hive-udtf drafthorse-functions.sql; scripts/submit.sh does it);
-- the in-process Hive has them already.
CREATE DATABASE IF NOT EXISTS ${DB};
USE ${DB};
-- An external table over the input directory: dropping it never deletes the data.
DROP TABLE IF EXISTS sentences_in;
CREATE EXTERNAL TABLE sentences_in (id STRING, sentence STRING)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION '${INPUT}';
-- Template 0 asks how the sentence goes on by itself; template 1 puts it inside a story opening. Rows whose template
-- cannot be filled (error IS NOT NULL) are left out here and would show as missing rows downstream.
FROM (
  SELECT s.id, p.template_id, p.prompt
  FROM sentences_in s
  LATERAL VIEW explode_prompts(
      array('{sentence}',
            'Once upon a time, there was a little girl. {sentence}'),
      named_struct('sentence', s.sentence)) p AS template_id, prompt, error
  WHERE p.error IS NULL
) q
INSERT OVERWRITE DIRECTORY '${PROMPTS}/t0' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'
  SELECT q.id, q.prompt WHERE q.template_id = 0
INSERT OVERWRITE DIRECTORY '${PROMPTS}/t1' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'
  SELECT q.id, q.prompt WHERE q.template_id = 1;
