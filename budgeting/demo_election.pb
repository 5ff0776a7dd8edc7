META
key;value
description;Ghia test election: a small made-up approval vote
country;Georgia
unit;Tbilisi
subunit;Test district
instance;2026
num_projects;6
num_votes;13
budget;100000
vote_type;approval
rule;equalshares
currency;GEL
PROJECTS
project_id;cost;votes;name;category
1;40000;7;Playground in the courtyard;"children,parks"
2;30000;6;Benches along the embankment;parks
3;25000;3;Street lights on Chavchavadze street;safety
4;60000;5;Library reading room;culture
5;10000;2;Bicycle racks;transport
10;20000;3;"Trees, ""green"" corridor";parks
VOTES
voter_id;vote
1;1,2
2;1,2
3;1,2
4;1,2,5
5;1,4
6;1,4
7;1
8;4,10
9;4,10
10;4,3,10
11;3,2
12;3,5,2
13;
