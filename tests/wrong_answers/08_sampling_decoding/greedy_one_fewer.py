# grade_id: greedy_decode
# message: one id too few
# range(max_len - 1): one step short.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    for _ in range(max_len - 1):
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids, dtype=np.int64)
