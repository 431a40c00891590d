#!/usr/bin/env bash
# The long crash torture run (issue 6): starts the packaged keepwatch, churns the source from a seeded
# generator, SIGKILLs keepwatch at random instants KILLS times, and checks that nothing was lost.
# Usage: bench/torture.sh [--kills 100] [--seed 42] [--big-mb 50] [--command run|once] [--churn-ms 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
mvn -B -q test-compile
exec java -cp target/test-classes:target/keepwatch.jar io.keepwatch.torture.Torture "$@"
