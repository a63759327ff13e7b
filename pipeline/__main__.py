"""`python -m pipeline`: the same CLI as the `pipeline` console script."""

from pipeline.cli import main

main()
