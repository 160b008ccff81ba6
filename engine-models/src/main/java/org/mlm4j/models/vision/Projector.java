package org.mlm4j.models.vision;

/** Maps the ViT's patch features {@code [G²][H]} to the language model's input space {@code [tokens][E]}. */
interface Projector {

    /** Image tokens produced from {@code patches} patch features. */
    int outputTokens(int patches);

    /** E: the width of each output token, which must equal the language model's n_embd. */
    int embeddingLength();

    /** Token-major {@code [outputTokens][E]} embeddings from token-major {@code [patches][H]} features. */
    float[] project(float[] features, int patches);
}
