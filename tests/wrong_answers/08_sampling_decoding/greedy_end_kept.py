# grade_id: greedy_decode
# message: end id kept
# The end id appended before stopping.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    for _ in range(max_len):
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        ids.append(token)
        if token == end_id:
            break
    return np.array(ids, dtype=np.int64)
