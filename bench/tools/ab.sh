#!/usr/bin/env bash
# Two builds of camel-pop3x in alternate child runs of the same benchmark session, so that the machine's drift hits
# both alike: round 1 with A, round 1 with B, round 2 with A, ... Each run is the bench with BENCH_POP3X_JAR set.
#
#   bench/tools/ab.sh OUT ROUNDS A.jar B.jar [bench args...]
#   bench/tools/ab.sh /tmp/ab 7 /tmp/before.jar target/camel-pop3x-0.1.0-SNAPSHOT.jar --workloads small --clients pop3x-default,raw
#   python3 bench/tools/ab-report.py /tmp/ab
#
# Make A.jar from an earlier commit with: git stash; mvn -q -B package -DskipTests; cp target/camel-pop3x-*.jar A.jar;
# git stash pop (or a worktree). Run from the repository root after `mvn install` (the bench resolves the rest).
set -euo pipefail
out=$1 rounds=$2 a=$(realpath "$3") b=$(realpath "$4")
shift 4
rm -rf "$out" && mkdir -p "$out"
mvn -q -B -o -f bench/pom.xml compile
for i in $(seq 1 "$rounds"); do
    for side in a b; do
        jar=$a; [ "$side" = b ] && jar=$b
        BENCH_POP3X_JAR=$jar mvn -q -B -o -f bench/pom.xml exec:exec \
            -Dbench.args="--rounds 1 $* --out $out/$side-$i --chart $out/$side-$i/chart.png" > "$out/$side-$i.log" 2>&1 \
            || echo "round $i ($side) failed: see $out/$side-$i.log"
    done
done
echo "A = $a, B = $b" > "$out/jars.txt"
python3 "$(dirname "$0")/ab-report.py" "$out"
