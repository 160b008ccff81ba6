/**
 * Tensor types and data, as ggml defines them.
 *
 * <ul>
 *   <li>{@link org.mlm4j.tensor.GgmlType}: ggml's type table (id, name, block size, bytes per block).</li>
 *   <li>{@link org.mlm4j.tensor.Tensor}: a named view of tensor data in place (usually a slice of a
 *       memory-mapped GGUF file), shape in ggml order.</li>
 *   <li>{@link org.mlm4j.tensor.Blocks}: byte layouts of the quantized blocks, the offsets kernels use.</li>
 *   <li>{@link org.mlm4j.tensor.Dequantize} and {@link org.mlm4j.tensor.Quantize}: scalar reference
 *       conversions, bit-exact with ggml's {@code dequantize_row_*} and {@code quantize_row_*_ref}.</li>
 *   <li>{@link org.mlm4j.tensor.HalfFloats} (fp16/bf16) and {@link org.mlm4j.tensor.LittleEndian}
 *       (value layouts of GGUF data).</li>
 * </ul>
 */
package org.mlm4j.tensor;
