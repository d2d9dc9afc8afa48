#!/usr/bin/python3
"""Execute one notebook with nbclient, cell by cell, and save it with its outputs.

Why not `jupyter nbconvert --execute`: with the tslab kernel a failing cell's error arrives as stderr text,
and nbconvert then exits with an empty CellExecutionError that names neither the cell nor the error. This
runner reports the failing cell's number, source and stderr, saves the partially executed notebook, and
prints one JSON line per cell on stdout for the caller's progress display.

usage: run_notebook.py INPUT.ipynb OUTPUT.ipynb [--kernel tslab] [--timeout SECONDS] [--cwd DIR]
Run it with Debian's /usr/bin/python3 (the one that has nbclient); JUPYTER_PATH must reach the kernelspec.
"""
import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


def emit(**event):
    print(json.dumps(event), flush=True)


def cell_text_outputs(cell, name):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == name)


def error_outputs(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per cell")
    ap.add_argument("--cwd", default=None, help="kernel working directory (default: the notebook's folder)")
    args = ap.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    cwd = args.cwd or (args.input.rsplit("/", 1)[0] if "/" in args.input else ".")
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout, resources={"metadata": {"path": cwd}})
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    failed = None
    t_start = time.time()
    with client.setup_kernel():
        for n, i in enumerate(code_cells, 1):
            cell = nb.cells[i]
            t0 = time.time()
            try:
                client.execute_cell(cell, i)
            except CellTimeoutError as e:
                failed = {"reason": f"timed out after {args.timeout} s", "detail": str(e)}
            except CellExecutionError as e:
                failed = {"reason": "cell raised an error", "detail": str(e).strip()}
            if failed is None and error_outputs(cell):
                failed = {"reason": "cell has an error output", "detail": json.dumps(error_outputs(cell))[:2000]}
            if failed is not None:
                failed.update(cell=n, index=i, source=cell.source, stderr=cell_text_outputs(cell, "stderr"))
                emit(event="cell", cell=n, of=len(code_cells), seconds=round(time.time() - t0, 2), ok=False)
                break
            emit(event="cell", cell=n, of=len(code_cells), seconds=round(time.time() - t0, 2), ok=True)
    nbformat.write(nb, args.output)
    if failed is None:
        # Outputs we computed ourselves may run their scripts (plots) when the notebook is opened:
        # without a signature Jupyter shows them as untrusted and plotly figures stay blank.
        try:
            from nbformat.sign import NotebookNotary
            NotebookNotary().sign(nb)
        except Exception as e:  # the signature database may be read-only; outputs are still saved
            print(f"note: could not mark {args.output} trusted: {e}", file=sys.stderr)
    emit(event="done", ok=failed is None, seconds=round(time.time() - t_start, 2), output=args.output, failure=failed)
    return 0 if failed is None else 1


if __name__ == "__main__":
    sys.exit(main())
