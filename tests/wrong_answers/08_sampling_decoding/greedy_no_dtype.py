# grade_id: greedy_decode
# message: has dtype float64, expected int64
# np.array(ids) without a dtype: an empty output becomes float64.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    for _ in range(max_len):
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids)
