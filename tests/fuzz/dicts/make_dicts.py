#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries of tests/fuzz/dicts/ (rerun after the formats gain keys).

Each dictionary holds the words of one format that random mutation would take long to find: the
scenario format's tables, keys and values (taken from the readers' sources), CityFlow's JSON keys,
the request CSV's columns and the grid's road names, SUMO's elements, attributes and configuration
options. Run from the repository's root: python3 tests/fuzz/dicts/make_dicts.py
"""
import glob
import json
import re


def entry(word):
    # libFuzzer's dictionary syntax: a quoted string with \\, \" and \xAB escapes only.
    out = ""
    for b in word.encode():
        c = chr(b)
        out += "\\\\" if c == "\\" else '\\"' if c == '"' else c if 0x20 <= b < 0x7F else "\\x%02X" % b
    return '"' + out + '"'


def write(name, about, words):
    seen = []
    for w in words:
        if w not in seen:
            seen.append(w)
    with open(f"tests/fuzz/dicts/{name}.dict", "w") as out:
        out.write(f"# libFuzzer dictionary for the {name} harness: {about} (written by make_dicts.py).\n")
        out.writelines(entry(w) + "\n" for w in seen)


def source_words(pattern):
    words = set()
    for f in glob.glob(pattern):
        words |= set(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', open(f).read()))
    return sorted(words)


number_edges = ["0", "-1", "1e308", "1e-320", "-0.0", "9223372036854775807", "-9223372036854775808",
                "18446744073709551616", "4294967296"]

keys = [w for w in source_words("sim/src/io/scenario/*.cpp") if w not in {"_", "_f", "_r", "v", "x", "duraton_s", "tme_s"}]
tables = ["[scenario]", "[map]", "[map.grid]", "[[map.lanes]]", "[demand]", "[[demand.flow]]", "[[demand.od]]",
          "[[demand.trip]]", "[[vehicle_type]]", "[transit]", "[[transit.stop]]", "[[transit.line]]",
          "[[transit.demand]]", "[[fleet]]", "[signals]", "[[signals.detector]]", "[signals.params]", "[sensing]",
          "[dynamics]", "[outputs]", "[benchmark]", "[limits]"]
policies = ["fixed_time", "webster", "green_wave", "actuated", "sotl", "max_pressure", "lookahead_pressure"]
toml_syntax = [" = ", '"""', "'''", "[[", "]]", "{ ", " }", ", ", "true", "false", "inf", "nan", "-inf", "0x7f",
               "0o17", "0b101", "1_000", "1979-05-27T07:32:00Z", "\\u00A0", "\u00a0", "\u3000", "# ", "\n", "\r\n", "\t"]
files = ["../maps/cityflow_roadnet.json", "../maps/cityflow_flow.json", "../maps/cross_tls.net.xml",
         "../maps/routes.rou.xml", "../maps/cross_night.add.xml", "../maps/roadnet_plus.txt", "../maps/flow_plus.txt",
         "../maps/requests.csv", "/dev/zero", "."]
grid_roads = ["road_j_0_-1_j_0_0", "road_j_0_0_j_0_1", "road_j_0_1_j_0_0", "road_j_1_0_j_1_1", "road_j_0_0_j_1_0",
              "road_j_-1_0_j_0_0"]
write("scenario_toml", "the scenario format's tables, keys and values",
      tables + keys + policies + toml_syntax + number_edges + files + grid_roads + ["road_0_1_0", "road_1_1_0", "WC", "CE"])

cityflow = source_words("sim/src/io/cityflow/*.cpp")
write("cityflow", "CityFlow's JSON keys and values",
      cityflow + ['{"', '":', '",', "[]", "{}", "null", "true", "false", "-2.7E99998", "1e400", "\\u0000", "\\ud800"] +
      number_edges + ["intersection_1_1", "road_0_1_0", "road_1_1_0"])

write("requests_csv", "the request file's columns and the fixed grid's road names",
      ["id", "time_s", "from", "to", ",", "\n", "\r\n", "\x00", "nan", "inf", "1e999"] + number_edges +
      ["road_j_0_0_j_0_1", "road_j_0_1_j_0_0", "road_j_1_0_j_1_1", "road_j_1_1_j_1_0", "road_j_0_0_j_1_0",
       "road_j_0_-1_j_0_0", "road_j_0_1_j_0_2"])

sumo = source_words("sim/src/io/sumo/*.cpp")
write("sumo", "SUMO's network and route elements and attributes",
      sumo + ["<?xml version=\"1.0\"?>", "<net>", "</net>", "<routes>", "</routes>", "/>", "=\"", "\" ", "<!--", "-->",
              "<![CDATA[", "]]>", "&amp;", "&#0;", "&#x10FFFF;"] + number_edges + ["WC", "CE", "NC", "CS", "C"] +
      # the configuration's options (hyphenated, which source_words does not pick up) and the
      # additional file's programs
      ["<configuration>", "</configuration>", "<input>", "</input>", "<time>", "</time>", "net-file", "route-files",
       "additional-files", "step-length", "time-to-teleport", "tls.all-off", "<additional>", "</additional>",
       "<tlLogic id=\"C\"", "<phase duration=\"", "GGGGrrrrGGGGrrrr", "yyyyrrrryyyyrrrr"])
