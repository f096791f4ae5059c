"""The recipes chosen on the validation split (see NOTES.md). Fields not given keep Config defaults."""

from nnjax.config import Config

RECIPES = {
    # 784-16-16-10 sigmoid (init auto = glorot): phase 3/5 best on validation
    "video": Config(
        name="video", optimizer="adam", lr=0.01, weight_decay=2e-4, schedule="cosine", batch_size=32, epochs=100
    ),
    # same net with relu (init auto = he)
    "video_relu": Config(
        name="video_relu",
        activation="relu",
        standardize=True,
        optimizer="adam",
        lr=0.003,
        weight_decay=1e-3,
        schedule="cosine",
        batch_size=32,
        epochs=60,
    ),
    # smallest wide net comfortably over 98% on validation
    "wide": Config(
        name="wide",
        hidden=(256, 256),
        activation="relu",
        optimizer="adam",
        lr=0.003,
        schedule="cosine",
        batch_size=128,
        epochs=10,
    ),
}
