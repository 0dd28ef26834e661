# Run by scripts/bench.sh through 'bin/odoo shell' (env is given): the benchmark's entry, read on
# the shell's standard input. It puts scripts/ (BENCH_SCRIPTS, set by bench.sh) on the path and
# hands env to the bench package (scripts/bench/__init__.py says what each part holds).
import os
import sys

sys.path.insert(0, os.environ['BENCH_SCRIPTS'])

from bench.run import main  # noqa: E402 (the path first)

main(env)
