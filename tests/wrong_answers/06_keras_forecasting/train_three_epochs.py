# grade_id: train_forecaster
# message: above the 0.0005 asked for
# Trained for three epochs: every forecast is (just) within 0.05, but the validation MSE, about
# 0.00065, misses the stated 0.0005.
import keras

# Build the forecaster for windows of 10 steps and train it on the training windows.
keras.utils.set_random_seed(0)
forecaster = build_forecaster(10)
forecaster.fit(data["X_train"], data["y_train"], epochs=3, batch_size=32, verbose=0)
