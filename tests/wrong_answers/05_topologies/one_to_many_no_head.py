# grade_id: keras_one_to_many
# message: the output layer is missing
import keras


def keras_one_to_many(n_features, n_hidden, n_outputs, n_steps):
    """(B, D) -> repeated n_steps times -> SimpleRNN, every state -> Dense: output (B, n_steps, O)."""
    return keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.RepeatVector(n_steps),
            keras.layers.SimpleRNN(n_outputs, return_sequences=True),
        ]
    )
