# grade_id: keras_encoder_decoder
# message: GRU instead of SimpleRNN
import keras


def keras_encoder_decoder(n_features, n_hidden, n_outputs):
    """Inputs source (B, T_in, D) and target_in (B, T_out, O); output (B, T_out, O)."""
    source = keras.Input(shape=(None, n_features))
    target_in = keras.Input(shape=(None, n_outputs))
    _, h_T = keras.layers.SimpleRNN(n_hidden, return_state=True)(source)
    decoded = keras.layers.GRU(n_hidden, return_sequences=True)(target_in, initial_state=h_T)
    return keras.Model([source, target_in], keras.layers.Dense(n_outputs)(decoded))
