"""The instructor's class grader: ``coursekit grade ASSIGNMENT SUBMISSIONS --out DIR``.

One idea: record in the sandbox, decide outside. Student code runs in a sandboxed
process where every coursekit.checks call only records the value it was given; the scores
are decided here, outside, by comparing those values with a reference run of the
solutions. Modules, in pipeline order:

- :mod:`.ingest`: find each student's notebook in an LMS export, unpacking safely;
- :mod:`.assignment`: the assignment's cells and points, read from ``solutions/``;
- :mod:`.integrity`: rebuild the notebook from the source and the student's answers;
  flag tampering;
- :mod:`.sandbox` and :mod:`.runner` (with :mod:`.executor` inside): run it in
  bubblewrap with limits, one cell at a time;
- :mod:`.compare`: decide every test cell from the records;
- :mod:`.grade`: the whole class, in parallel and resumable;
- :mod:`.outputs` and :mod:`.report`: grades.csv, nbgrader gradebook, feedback, report;
- :mod:`.cli`: the command line.
"""
