/// Preconditioned conjugate gradients for a truncated-Newton direction: approximately solves
/// `A·p = b` for a symmetric `A` given only as a product `v ↦ A·v`, with a symmetric positive
/// definite preconditioner `r ↦ M⁻¹·r`, starting from p = 0 and stopping when ‖r‖₂ ≤ `target`,
/// after `maximumIterations` products, or at the first direction d with dᵀA·d ≤ 0 (A not
/// positive definite there, e.g. a non-convex objective; the iterate so far is kept).
///
/// Every iterate of CG started at 0 satisfies bᵀp_k > 0 while the curvature stays positive, so
/// with b = −∇F the result is a descent direction. When the very first direction already has
/// non-positive curvature the result is the preconditioned residual M⁻¹b (a scaled
/// steepest-descent direction) and `iterations` is 0. Shared by the item solvers' truncated-Newton
/// steps (Bradley–Terry with covariates, the per-item-variance Thurstonian fit).
package func preconditionedConjugateGradient(
    rightHandSide b: [Double], target: Double, maximumIterations: Int,
    product: ([Double]) -> [Double], precondition: ([Double]) -> [Double]
) -> (solution: [Double], iterations: Int) {
    func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for k in 0..<a.count { s += a[k] * b[k] }
        return s
    }
    let dim = b.count
    var r = b
    var x = [Double](repeating: 0, count: dim)
    var z = precondition(r)
    var p = z
    var rz = dot(r, z)
    var iterations = 0
    for _ in 0..<maximumIterations {
        let ap = product(p)
        let pap = dot(p, ap)
        if !(pap > 0) { break }
        iterations += 1
        let a = rz / pap
        for k in 0..<dim {
            x[k] += a * p[k]
            r[k] -= a * ap[k]
        }
        if dot(r, r).squareRoot() <= target { break }
        z = precondition(r)
        let rzNext = dot(r, z)
        let beta = rzNext / rz
        rz = rzNext
        for k in 0..<dim { p[k] = z[k] + beta * p[k] }
    }
    if iterations == 0 { return (z, 0) }
    return (x, iterations)
}
