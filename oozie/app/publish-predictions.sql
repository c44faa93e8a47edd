-- Last step of the chain (the workflow's "publish" hive2 action; scripts/demo.sh runs the same file in the in-process
-- Hive): ensemble-predict's output becomes a partition of a Hive table, one row per input row that has no label (the
-- rows the ensemble was not trained on), with the sentence it belongs to.
-- Parameters (beeline --hivevar, the hive2 action's <param>):
--   DB           the database (created if missing)        TABLE   the predictions table (created if missing)
--   INPUT        the day's rows (id<TAB>sentence)          LABELS  the label table's directory (TSV, header id<TAB>label)
--   PREDICTIONS  ensemble-predict's output directory       DAY     the partition (a date)
--   METHOD       the ensemble method that made them (a second partition key, so methods can be compared)
CREATE DATABASE IF NOT EXISTS ${DB};
USE ${DB};
-- A map join would start a local child JVM through the hadoop command (absent on one machine): plain joins.
SET hive.auto.convert.join=false;
DROP TABLE IF EXISTS sentences_in;
CREATE EXTERNAL TABLE sentences_in (id STRING, sentence STRING)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION '${INPUT}';
DROP TABLE IF EXISTS labels_in;
CREATE EXTERNAL TABLE labels_in (id STRING, label STRING)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION '${LABELS}'
TBLPROPERTIES ('skip.header.line.count' = '1');
DROP TABLE IF EXISTS predictions_in;
CREATE EXTERNAL TABLE predictions_in (id STRING, label STRING, probability DOUBLE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION '${PREDICTIONS}';
CREATE TABLE IF NOT EXISTS ${TABLE} (id STRING, sentence STRING, label STRING, probability DOUBLE)
PARTITIONED BY (day STRING, method STRING) STORED AS TEXTFILE;
INSERT OVERWRITE TABLE ${TABLE} PARTITION (day = '${DAY}', method = '${METHOD}')
SELECT p.id, s.sentence, p.label, p.probability
FROM predictions_in p
JOIN sentences_in s ON p.id = s.id
LEFT JOIN labels_in l ON p.id = l.id
WHERE l.id IS NULL;
