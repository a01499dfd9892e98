"""coursekit: the code under the RNN course.

Reference maths in numpy (``rnn``, ``lstm``, ``gru``, ``wrappers``, ``heads``,
``gradients``), interop with PyTorch and Keras (``interop``), data generators
(``data``), figures (``plotting``), the checks that exercise tests call (``checks``)
and the instructor's grader (``grader``). Import the module you need; nothing heavy is
imported here.
"""

__version__ = "0.1.0"
