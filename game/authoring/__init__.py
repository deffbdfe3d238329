"""Tools for scenario authors: a skeleton to start from (`new`), what differs between two
scenarios (`diff`), warnings `validate` does not give (`lint`) and a map of what moves what (`map`).

Each reads scenarios through the one pipeline (`game.loader`) and never changes a file it reads.
"""
