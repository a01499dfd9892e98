# grade_id: greedy_decode
# message: start id in the output
# The output list started with the start id.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [start_id], start_id
    for _ in range(max_len):
        logits, state = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids, dtype=np.int64)
