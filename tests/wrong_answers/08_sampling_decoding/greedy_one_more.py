# grade_id: greedy_decode
# message: one id too many
# <= instead of <: max_len + 1 ids.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    while len(ids) <= max_len:
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids, dtype=np.int64)
