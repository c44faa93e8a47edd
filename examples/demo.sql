-- Step 1 of the demo: fan each story out into one prompt per template with explode_prompts, one TSV file per
-- template (id<TAB>prompt), ready for `infer`. ${STORIES} and ${OUT} are filled in by scripts/demo.sh.
CREATE TABLE stories (id STRING, story STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE;
LOAD DATA LOCAL INPATH '${STORIES}' INTO TABLE stories;
CREATE TABLE prompts AS
SELECT s.id, p.template_id, p.prompt
FROM stories s
LATERAL VIEW explode_prompts(
    array('Story: {story} The story was',
          'Once upon a time. {story} In the end everyone felt'),
    named_struct('story', s.story)) p AS template_id, prompt, error;
INSERT OVERWRITE LOCAL DIRECTORY '${OUT}/prompts_t0' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'
SELECT id, prompt FROM prompts WHERE template_id = 0;
INSERT OVERWRITE LOCAL DIRECTORY '${OUT}/prompts_t1' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t'
SELECT id, prompt FROM prompts WHERE template_id = 1;
