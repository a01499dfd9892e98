# grade_id: greedy_decode
# message: state not fed back
# The new state thrown away: every step starts from the initial state.
import numpy as np


def greedy_decode(step, state, start_id, end_id, max_len):
    ids, token = [], start_id
    for _ in range(max_len):
        logits, _ = step(token, state)
        token = int(np.argmax(logits))
        if token == end_id:
            break
        ids.append(token)
    return np.array(ids, dtype=np.int64)
