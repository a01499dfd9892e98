# grade_id: greedy_decode
# message: no stop at the end id
# Always max_len ids, end ids included.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    for _ in range(max_len):
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        ids.append(token)
    return np.array(ids, dtype=np.int64)
