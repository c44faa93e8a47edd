-- Last step of the demo: the predictions as a Hive table, joined back to the stories.
-- (A map join would start a child JVM through a hadoop binary, which one machine without Hadoop lacks.)
SET hive.auto.convert.join=false;
CREATE TABLE stories (id STRING, story STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE;
LOAD DATA LOCAL INPATH '${STORIES}' INTO TABLE stories;
CREATE EXTERNAL TABLE predictions (id STRING, label STRING, probability DOUBLE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' STORED AS TEXTFILE LOCATION 'file://${OUT}/predictions';
SELECT p.id, p.label, round(p.probability, 3), s.story FROM predictions p JOIN stories s ON p.id = s.id ORDER BY p.id;
